-- The embedded vector store (used when no Qdrant is configured). Every write to a collection bumps its version and
-- stamps the rows it writes with it (seq), so a replica brings its in-memory index up to date by reading the rows
-- with seq above the version it has. Deleted points stay as tombstones (deleted = 1, no vector) for the same reason.
CREATE TABLE vector_collections (
    name       TEXT PRIMARY KEY,
    uid        TEXT NOT NULL,
    dimension  INTEGER NOT NULL,
    distance   TEXT NOT NULL,
    version    INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE vector_points (
    collection TEXT NOT NULL REFERENCES vector_collections (name) ON DELETE CASCADE,
    id         TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    deleted    INTEGER NOT NULL,
    vector     BLOB,
    payload    TEXT,
    PRIMARY KEY (collection, id)
);
CREATE INDEX vector_points_seq ON vector_points (collection, seq);

-- Documents (POST /api/v1/documents): the extracted text; its chunks live in the vector store.
CREATE TABLE documents (
    id              TEXT PRIMARY KEY,
    owner           TEXT NOT NULL,
    title           TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    content         TEXT NOT NULL,
    characters      INTEGER NOT NULL,
    chunks          INTEGER NOT NULL,
    embedding_model TEXT NOT NULL,
    status          TEXT NOT NULL,
    metadata        TEXT,
    created_at      INTEGER NOT NULL
);
CREATE INDEX documents_list ON documents (owner, created_at DESC, id DESC);
