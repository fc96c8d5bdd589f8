#!/usr/bin/env python3
"""Write a tslab notebook (no outputs) from a list of ("md"|"code", source) cells. Used by notebook authors:
   from nb import write; write("notebooks/NN-name.ipynb", [("md", "# Title"), ("code", "import * as birq from 'birq-lab';")])
"""
import json, sys


def write(path, cells):
    nb = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": src.strip("\n")}
            if kind == "md"
            else {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": src.strip("\n")}
            for kind, src in cells
        ],
        "metadata": {
            "kernelspec": {"display_name": "TypeScript", "language": "typescript", "name": "tslab"},
            "language_info": {"name": "typescript", "file_extension": ".ts", "mimetype": "text/typescript"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    for i, c in enumerate(nb["cells"]):
        c["id"] = f"cell-{i:02d}"
    with open(path, "w") as f:
        json.dump(nb, f, indent=1)
        f.write("\n")
