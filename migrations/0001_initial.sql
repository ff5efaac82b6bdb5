-- normlab label store, first schema: datasets, images, extraction runs, annotations and their
-- append-only history. Timestamps are ISO-8601 UTC text ('2025-01-31T12:00:00.000Z').
-- A shipped migration is never edited: change the schema with a new numbered file.

CREATE TABLE datasets (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    -- Folder holding the images (absolute, or relative to the database's folder); NULL when the
    -- dataset was created by a features import without images.
    root        TEXT,
    created_at  TEXT NOT NULL
);

-- One row per image; image_index 0…N−1 is the order label files refer to.
CREATE TABLE images (
    dataset_id    INTEGER NOT NULL REFERENCES datasets(id),
    image_index   INTEGER NOT NULL CHECK (image_index >= 0),
    file_name     TEXT,             -- relative to datasets.root; NULL for an imageless entry
    content_hash  TEXT,             -- SHA-256 of the file's bytes, hex
    PRIMARY KEY (dataset_id, image_index)
) WITHOUT ROWID;

-- An extraction run: the representations of every image of a dataset at one U-Net position.
CREATE TABLE runs (
    id            INTEGER PRIMARY KEY,
    dataset_id    INTEGER NOT NULL REFERENCES datasets(id),
    name          TEXT NOT NULL UNIQUE,
    position      TEXT NOT NULL DEFAULT '',   -- e.g. 'up_blocks[1]'; '' when imported
    image_count   INTEGER NOT NULL CHECK (image_count >= 0),
    channels      INTEGER NOT NULL CHECK (channels > 0),
    height        INTEGER NOT NULL CHECK (height > 0),
    width         INTEGER NOT NULL CHECK (width > 0),
    -- Folder of the feature files (see README, "Feature files"), relative to the database's folder.
    feature_path  TEXT NOT NULL,
    -- Model identity/hash, timestep, seed, prompt, batch size, preprocessing, normlab version, source.
    metadata      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
    created_at    TEXT NOT NULL
);

CREATE TABLE annotations (
    id           INTEGER PRIMARY KEY,
    run_id       INTEGER NOT NULL REFERENCES runs(id),
    image_index  INTEGER NOT NULL CHECK (image_index >= 0),
    x            INTEGER NOT NULL CHECK (x >= 0),   -- column of the (upper-left) token
    y            INTEGER NOT NULL CHECK (y >= 0),   -- row of the (upper-left) token
    kind         TEXT NOT NULL CHECK (kind IN ('patch2x2', 'point')),
    annotator    TEXT NOT NULL DEFAULT '',
    source       TEXT NOT NULL CHECK (source IN ('manual', 'import', 'accepted-suggestion')),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (run_id, image_index, x, y, kind)
);

-- Every change to annotations (and, from 0002, to the reviewed state): who, what, when, from where.
CREATE TABLE annotation_history (
    id           INTEGER PRIMARY KEY,
    run_id       INTEGER NOT NULL REFERENCES runs(id),
    image_index  INTEGER NOT NULL,
    x            INTEGER,
    y            INTEGER,
    kind         TEXT,
    action       TEXT NOT NULL,     -- 'add', 'remove' (0002: also 'reviewed', 'unreviewed')
    annotator    TEXT NOT NULL DEFAULT '',
    source       TEXT NOT NULL,     -- 'manual', 'import', 'accepted-suggestion'
    origin       TEXT NOT NULL,     -- 'cli' or 'http <client address>'
    at           TEXT NOT NULL
);
CREATE INDEX annotation_history_by_image ON annotation_history (run_id, image_index);

-- The history is append-only: the database itself refuses edits and deletions.
CREATE TRIGGER annotation_history_no_update BEFORE UPDATE ON annotation_history
BEGIN SELECT RAISE(ABORT, 'annotation_history is append-only'); END;
CREATE TRIGGER annotation_history_no_delete BEFORE DELETE ON annotation_history
BEGIN SELECT RAISE(ABORT, 'annotation_history is append-only'); END;
