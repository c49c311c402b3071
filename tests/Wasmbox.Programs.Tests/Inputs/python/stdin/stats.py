"""Reads CSV rows from stdin, prints statistics, then fails on a bad row with an uncaught exception."""
import csv
import statistics
import sys
from decimal import Decimal
from fractions import Fraction

rows = list(csv.DictReader(sys.stdin))
prices = [Decimal(r["price"]) for r in rows if r["price"] != "n/a"]
print("rows:", len(rows))
print("total:", sum(prices))
print("mean:", statistics.mean(prices))
print("median:", statistics.median(prices))
print("share of first:", Fraction(int(prices[0] * 100), int(sum(prices) * 100)))
sys.stdout.flush()
print("price of the last row:", Decimal(rows[-1]["price"]))
