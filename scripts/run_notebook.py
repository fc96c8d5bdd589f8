#!/usr/bin/env python3
"""Execute one notebook with a Jupyter kernel, cell by cell, and save the executed copy even when a cell fails.

usage: run_notebook.py NOTEBOOK OUT_DIR KERNEL TIMEOUT_S
Prints one JSON line: {"ok": bool, "cell": index or null, "error": text}. tslab reports type errors on stderr
with an empty error value, so the failing cell's stderr is part of the error text.
"""
import json, os, sys
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

nb_path, out_dir, kernel, timeout = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
nb = nbformat.read(nb_path, as_version=4)
client = NotebookClient(nb, kernel_name=kernel, timeout=timeout, resources={"metadata": {"path": os.path.dirname(os.path.abspath(nb_path))}})
result = {"ok": True, "cell": None, "error": ""}
try:
    with client.setup_kernel():
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            try:
                client.execute_cell(cell, i)
            except (CellExecutionError, CellTimeoutError) as e:
                stderr = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream" and o.get("name") == "stderr")
                errs = "".join(f"{o.get('ename')}: {o.get('evalue')}\n" for o in cell.get("outputs", []) if o.get("output_type") == "error")
                result = {"ok": False, "cell": i + 1, "error": f"{type(e).__name__} in cell {i + 1}\n{errs}{stderr}\n--- source ---\n{cell.source[:800]}"}
                break
except DeadKernelError as e:
    result = {"ok": False, "cell": None, "error": f"kernel died: {e}"}
os.makedirs(out_dir, exist_ok=True)
with open(os.path.join(out_dir, os.path.basename(nb_path)), "w") as f:
    nbformat.write(nb, f)
print(json.dumps(result))
