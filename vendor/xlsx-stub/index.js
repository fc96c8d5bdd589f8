'use strict';
// danfojs-node imports xlsx at load time for readExcel/toExcel. BiRQ Lab never reads or writes spreadsheets,
// so every function here refuses with a message instead of shipping a parser with known advisories.
function refuse() {
  throw new Error('BiRQ Lab ships no spreadsheet support: danfojs readExcel/toExcel are disabled (vendor/xlsx-stub).');
}
const utils = new Proxy({}, { get: () => refuse });
module.exports = { read: refuse, readFile: refuse, write: refuse, writeFile: refuse, writeFileXLSX: refuse, utils };
