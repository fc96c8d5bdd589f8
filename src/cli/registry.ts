/**
 * The `birq` command table. main.ts dispatches from it; commands.ts adds one line per subcommand. A file of its
 * own so that neither of those two imports the other (no main.ts <-> commands.ts cycle).
 */
export type Command = { summary: string; load: () => Promise<{ run(args: string[]): Promise<number> }> };

export const COMMANDS: Record<string, Command> = {
  start: { summary: 'the main job (npm start)', load: () => import('./start') },
  backend: { summary: 'show which tfjs backend loads and why others were skipped', load: () => import('./backend') },
  notebooks: { summary: 'execute notebooks headless with the tslab kernel', load: () => import('./notebooks') },
};

/** Register a subcommand (one line each in commands.ts). */
export function registerCommand(name: string, cmd: Command): void {
  COMMANDS[name] = cmd;
}
