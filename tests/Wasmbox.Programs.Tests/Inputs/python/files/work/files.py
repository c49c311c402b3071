"""File-system work in a writable grant: directories, renames, copies, a walk, gzip, hashes and an SQLite database."""
import gzip
import hashlib
import os
import pathlib
import shutil
import sqlite3
import tempfile

root = pathlib.Path("/work")
tree = root / "tree"
(tree / "a" / "b").mkdir(parents=True)
(tree / "a" / "one.txt").write_text("one\n" * 100)
(tree / "a" / "b" / "two.txt").write_bytes(bytes(range(256)) * 4)
(tree / "three.txt").write_text("three\n")
os.rename(tree / "three.txt", tree / "3.txt")
shutil.copy(tree / "a" / "one.txt", tree / "a" / "b" / "one-copy.txt")
with open(tree / "a" / "one.txt", "r+b") as f:
    f.seek(0, os.SEEK_END)
    f.write(b"appended\n")
    f.truncate(200)
    f.seek(4)
    print("read at 4:", f.read(4))

with tempfile.NamedTemporaryFile(dir=root, delete=True) as tmp:
    tmp.write(b"scratch")
    tmp.flush()
    print("temp size:", os.fstat(tmp.fileno()).st_size)

for dirpath, dirnames, filenames in os.walk(tree):
    dirnames.sort()
    rel = os.path.relpath(dirpath, root)
    for name in sorted(filenames):
        path = os.path.join(dirpath, name)
        data = open(path, "rb").read()
        print(f"{os.path.join(rel, name):28} {os.stat(path).st_size:6} {hashlib.sha256(data).hexdigest()[:16]}")

with open(tree / "a" / "b" / "two.txt", "rb") as src, gzip.GzipFile(root / "two.txt.gz", "wb", mtime=0) as dst:
    shutil.copyfileobj(src, dst)
print("gzip round trip:", gzip.decompress((root / "two.txt.gz").read_bytes()) == (tree / "a" / "b" / "two.txt").read_bytes())

db = sqlite3.connect(root / "inventory.db")
db.execute("create table item (name text primary key, size integer, digest text)")
for path in sorted(p for p in tree.rglob("*") if p.is_file()):
    data = path.read_bytes()
    db.execute("insert into item values (?, ?, ?)", (str(path.relative_to(root)), len(data), hashlib.md5(data).hexdigest()))
db.commit()
for row in db.execute("select count(*), sum(size), max(name) from item"):
    print("sqlite:", row)
db.close()

shutil.rmtree(tree / "a" / "b")
os.remove(tree / "3.txt")
print("left:", sorted(str(p.relative_to(root)) for p in root.rglob("*")))
