-- The embedded vector store (used when no Qdrant is configured). Every write to a collection bumps its version and
-- stamps the rows it writes with it (seq), so a replica brings its in-memory index up to date by reading the rows
-- with seq above the version it has. Deleted points stay as tombstones (deleted = 1, no vector) for the same reason.
CREATE TABLE vector_collections (
    name       text PRIMARY KEY,
    uid        text NOT NULL,
    dimension  integer NOT NULL,
    distance   text NOT NULL,
    version    bigint NOT NULL,
    created_at bigint NOT NULL
);
CREATE TABLE vector_points (
    collection text NOT NULL REFERENCES vector_collections (name) ON DELETE CASCADE,
    id         text NOT NULL,
    seq        bigint NOT NULL,
    deleted    integer NOT NULL,
    vector     bytea,
    payload    text,
    PRIMARY KEY (collection, id)
);
CREATE INDEX vector_points_seq ON vector_points (collection, seq);

-- Documents (POST /api/v1/documents): the extracted text; its chunks live in the vector store.
CREATE TABLE documents (
    id              text PRIMARY KEY,
    owner           text NOT NULL,
    title           text NOT NULL,
    content_type    text NOT NULL,
    content         text NOT NULL,
    characters      integer NOT NULL,
    chunks          integer NOT NULL,
    embedding_model text NOT NULL,
    status          text NOT NULL,
    metadata        text,
    created_at      bigint NOT NULL
);
CREATE INDEX documents_list ON documents (owner, created_at DESC, id DESC);
