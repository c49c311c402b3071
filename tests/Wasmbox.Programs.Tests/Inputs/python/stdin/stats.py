"""Reads CSV rows from stdin (after asking what stdin is), prints statistics, then fails on a bad row with an uncaught exception."""
import csv
import os
import stat
import statistics
import sys
from decimal import Decimal
from fractions import Fraction

# How a script tells a file given with < from a pipe or a terminal: fstat on stdin.
mode = os.fstat(sys.stdin.fileno()).st_mode
print("reading", "a file" if stat.S_ISREG(mode) else "a terminal" if sys.stdin.isatty() else "a stream")
rows = list(csv.DictReader(sys.stdin))
prices = [Decimal(r["price"]) for r in rows if r["price"] != "n/a"]
print("rows:", len(rows))
print("total:", sum(prices))
print("mean:", statistics.mean(prices))
print("median:", statistics.median(prices))
print("share of first:", Fraction(int(prices[0] * 100), int(sum(prices) * 100)))
sys.stdout.flush()
print("price of the last row:", Decimal(rows[-1]["price"]))
