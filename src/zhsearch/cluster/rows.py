"""What a passage becomes in a shard: analysed tokens as keywords, stored fields as attributes.

zhsearch analyses (OpenCC, jieba, bigrams, cross-strait readings); the engine
only stores and retrieves.  Each token of the local index's three analysed
fields is written as one *keyword* that the engine's tokenizer keeps whole,
whatever script it is in: a field letter, then the token itself when it is
lower-case ASCII letters and digits, else its UTF-8 in hex, else (too long for
the engine's 42-character words) a hash.  So ``上门`` in the bigram field is
``bxe4b88ae997a8``, ``app`` in the word field ``w_app``; a ``charset_table`` of
``0..9, a..z, _`` is all the engine needs, and a term of one field never meets
another's.  The field prefix also makes the engine's per-keyword document
frequencies per-field, as the local index's are.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

# The local index's analysed fields and their keyword letters.
FIELD_LETTERS = {"words": "w", "bigrams": "b", "context_bigrams": "c", "pinyin": "p"}
# The shard table's full-text fields, by the local field they hold.  ``pinyin``
# holds the readings of the passage's Han bigrams (``p_shang_men``): where the
# local index keeps a map of its bigrams by reading, a cluster finds the
# bigrams a pinyin query sounds like in the passages that sound so.
TABLE_FIELDS = {"words": "words", "bigrams": "bigrams", "context_bigrams": "context", "pinyin": "pinyin"}
MAX_KEYWORD = 40  # Sphinx cuts words at 42 characters: a longer keyword is hashed
_PLAIN = re.compile(r"[a-z0-9]+")

# Stored attributes: column → (Sphinx type, the stored field of StoredPassage it holds).
ATTRIBUTES = {
    "source": ("string", "source"),
    "file": ("string", "file"),
    "file_id": ("bigint", None),  # a hash of the file: what updates delete by and file: filters on
    "file_hash": ("string", None),  # a hash of the file's bytes: what an update compares
    "file_version": ("bigint", None),  # the same as a number: a file whose rows differ in it is half written
    "file_passages": ("uint", None),  # how many passages the file has: one with fewer rows is half written
    "line": ("uint", "line"),
    "column": ("uint", "column"),
    "page": ("uint", "page"),
    "title": ("string", "title"),
    "heading": ("string", "heading"),
    "title_norm": ("string", "title_norm"),
    "heading_norm": ("string", "heading_norm"),
    "text": ("string", "text"),
    "norm": ("string", "norm"),
    "passage_key": ("string", "key"),
    "kind": ("string", "kind"),
    "passage_order": ("uint", "order"),
}
STORED_COLUMNS = tuple(c for c, (_, stored) in ATTRIBUTES.items() if stored)


def keyword(field: str, token: str) -> str:
    """The engine keyword of one analysed token of a local index field.

    >>> keyword("bigrams", "上门"), keyword("words", "app"), keyword("words", "2.5")
    ('bxe4b88ae997a8', 'w_app', 'wx322e35')
    """
    letter = FIELD_LETTERS[field]
    if _PLAIN.fullmatch(token) and len(token) + 2 <= MAX_KEYWORD:
        return f"{letter}_{token}"
    encoded = token.encode("utf-8").hex()
    if len(encoded) + 2 <= MAX_KEYWORD:
        return f"{letter}x{encoded}"
    return f"{letter}h{hashlib.blake2b(token.encode('utf-8'), digest_size=16).hexdigest()}"


def keywords(field: str, tokens: Iterable[str]) -> str:
    """Space-separated keywords, in token order (a phrase of bigrams stays adjacent)."""
    return " ".join(keyword(field, t) for t in tokens)


def _hash64(text: str) -> int:
    """A positive 63-bit hash: Sphinx ids and bigint attributes are signed 64-bit."""
    value = int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big") >> 1
    return value or 1


def file_id(file: str) -> int:
    """The attribute a file's passages are found by (updates, ``file:``)."""
    return _hash64(file)


def file_version(file_hash: str) -> int:
    """A file's content hash as a number (the engine can compare numbers across rows)."""
    return _hash64(file_hash)


def passage_id(file: str, number: int) -> int:
    """The document id of a file's ``number``-th passage: the same on every load."""
    return _hash64(f"{file}\x00{number}")


def shard_of(file: str, shards: int) -> int:
    """The shard a corpus file's passages go to: a stable hash of its path.

    A file, not a JSONL record, is the unit: its passages are rewritten together
    on one shard.

    >>> shard_of("004_69b0fd6045c32687.txt", 2) in (0, 1)
    True
    """
    digest = hashlib.blake2b(file.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shards


def passage_rows(passages, file: str, file_hash: str) -> list[dict]:
    """The rows of one file's passages (``reading.passages.Passage``), columns by name.

    The analysed text and stored fields are the local index's own
    (``storage.build``), tokenized by the same chain that feeds Whoosh.
    """
    from zhsearch.storage.build import _passage_documents
    from zhsearch.text.analyzer import ChainTokenizer
    from zhsearch.text.pinyin import bigram_keys

    words, bigrams = ChainTokenizer("words", normalized=True), ChainTokenizer("bigrams", normalized=True)
    rows = []
    for number, doc in enumerate(_passage_documents(passages, None)):
        row = {"id": passage_id(file, number)}
        tokens = [t.text for t in words(doc["words"])]
        grams = [t.text for t in bigrams(doc["bigrams"])]
        context = [t.text for t in bigrams(doc["context_bigrams"])]
        row["words"], row["bigrams"], row["context"] = (
            keywords("words", tokens), keywords("bigrams", grams), keywords("context_bigrams", context))
        row["pinyin"] = keywords("pinyin", sorted({key for g in set(grams) for key in bigram_keys(g)}))
        for column, (_, stored) in ATTRIBUTES.items():
            if stored:
                row[column] = doc[stored]
        row["file_id"], row["file_hash"], row["file_version"] = file_id(file), file_hash, file_version(file_hash)
        rows.append(row)
    for row in rows:
        row["file_passages"] = len(rows)
    return rows


def stored_fields(row: dict) -> dict:
    """A row read back, as the stored fields :class:`StoredPassage` is made from."""
    return {stored: row[column] for column, (_, stored) in ATTRIBUTES.items() if stored}
