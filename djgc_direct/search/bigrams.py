"""Character bigrams: what both search indexes are made of (docs/search.md).

Chinese has no spaces between words, so the index holds every pair of neighbouring characters of
the (lower-cased) text; a character followed by whitespace or the end of the text is held alone.
Then every word has an index lookup: two characters are one entry, one character is a prefix of
entries, and a longer word is the run of its pairs.

SQLite's FTS5 has no tokenizer that cuts pairs, and one cannot be written in Python, so the text
is handed to FTS5 already cut: each pair becomes a token of hex code points ("道路" → "9053g8def",
a character held alone → "9053g"), which FTS5's default tokenizer keeps whole. A phrase of such
tokens matches only consecutive pairs, that is the word itself. PostgreSQL cuts its pairs in SQL
(migration 0011); `pairs` gives the same pairs of a query word.
"""
SQLITE_FUNCTION = "djgc_bigram_tokens"  # registered on every SQLite connection, used by triggers


def pairs(word):
    """The distinct character pairs of `word` (lower-cased), in order."""
    word = word.lower()
    return list(dict.fromkeys(word[i:i + 2] for i in range(len(word) - 1)))


def _hex(ch):
    return format(ord(ch), "x")


def sqlite_tokens(text):
    """`text` as the token string SQLite's index holds: a token per character that is not
    whitespace, its pair with the next character (or itself alone before whitespace or the end)."""
    if text is None:
        return None
    text = text.lower()
    last = len(text) - 1
    tokens = []
    for i, ch in enumerate(text):
        if ch.isspace():
            continue
        following = text[i + 1] if i < last else " "
        tokens.append(_hex(ch) + "g" + ("" if following.isspace() else _hex(following)))
    return " ".join(tokens)


def sqlite_query(word):
    """The FTS5 query finding `word` (no whitespace in it) in tokens made by sqlite_tokens."""
    word = word.lower()
    if len(word) == 1:
        return f'"{_hex(word)}g" *'
    return '"' + " ".join(_hex(a) + "g" + _hex(b) for a, b in zip(word, word[1:])) + '"'
