"""Word statistics of a text in a read-only grant, written as JSON and CSV into a writable one."""
import collections
import csv
import json
import re
import sys

with open("/data/config.json", encoding="utf-8") as f:
    config = json.load(f)

with open("/data/text.txt", encoding="utf-8") as f:
    text = f.read()

words = [w.lower() for w in re.findall(r"[A-Za-zÀ-ÿ']+", text)]
stop = set(config["stopwords"])
counts = collections.Counter(w for w in words if w not in stop)
lengths = collections.defaultdict(list)
for w in counts:
    lengths[len(w)].append(w)
sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]

report = {
    "words": len(words),
    "distinct": len(counts),
    "sentences": len(sentences),
    "top": counts.most_common(config["top"]),
    "longest": sorted(lengths[max(lengths)]),
    "by_length": {str(k): len(v) for k, v in sorted(lengths.items())},
}
with open("/out/report.json", "w", encoding="utf-8") as f:
    json.dump(report, f, indent=2, ensure_ascii=False)
    f.write("\n")

with open("/out/top.csv", "w", newline="", encoding="utf-8") as f:
    writer = csv.writer(f)
    writer.writerow(["word", "count"])
    writer.writerows(counts.most_common(config["top"]))

for word, n in report["top"]:
    print(f"{word:>12} {'#' * n}")
print(f"{report['words']} words, {report['distinct']} distinct, {report['sentences']} sentences", file=sys.stderr)
