-- Detection (issue 6): mean anomaly tokens (prototypes) and detections offered to the annotator as
-- suggestions for review in the labeler.

-- A mean anomaly token: the plain mean of a run's labelled tokens over its training images.
CREATE TABLE prototypes (
    id              INTEGER PRIMARY KEY,
    run_id          INTEGER NOT NULL REFERENCES runs(id),   -- the run whose labels and features were averaged
    tokens          TEXT NOT NULL CHECK (tokens IN ('patch', 'upper-left')),
    train_fraction  REAL NOT NULL CHECK (train_fraction >= 0 AND train_fraction <= 1),
    train_images    INTEGER NOT NULL CHECK (train_images >= 0),   -- images 0..<train_images were used
    label_count     INTEGER NOT NULL CHECK (label_count > 0),     -- label rows (patches + points) in the split
    -- The label set: SHA-256 (hex) of the used rows as sorted text lines 'image,x,y,kind\n'.
    labels_sha256   TEXT NOT NULL,
    token_count     INTEGER NOT NULL CHECK (token_count > 0),
    channels        INTEGER NOT NULL CHECK (channels > 0),
    vector          BLOB NOT NULL CHECK (length(vector) = 4 * channels),   -- float32 little-endian (C,)
    file_path       TEXT,            -- the .npy written alongside, if any (informational)
    created_at      TEXT NOT NULL
);
CREATE INDEX prototypes_by_run ON prototypes (run_id);

-- One detection pass offered for review: a run scanned with a prototype at one threshold.
CREATE TABLE suggestion_sets (
    id              INTEGER PRIMARY KEY,
    run_id          INTEGER NOT NULL REFERENCES runs(id),
    prototype_id    INTEGER REFERENCES prototypes(id),   -- NULL when the prototype came from a file
    prototype_file  TEXT,                                -- that file, then
    threshold       REAL NOT NULL CHECK (threshold >= -1 AND threshold <= 1),
    unit            TEXT NOT NULL CHECK (unit IN ('token', 'patch')),
    created_at      TEXT NOT NULL
);

-- The detections of a set: patch2x2 for the patch unit, point for the token unit.
CREATE TABLE suggestions (
    set_id       INTEGER NOT NULL REFERENCES suggestion_sets(id),
    image_index  INTEGER NOT NULL CHECK (image_index >= 0),
    x            INTEGER NOT NULL CHECK (x >= 0),
    y            INTEGER NOT NULL CHECK (y >= 0),
    kind         TEXT NOT NULL CHECK (kind IN ('patch2x2', 'point')),
    similarity   REAL NOT NULL,   -- cosine to the prototype (the smallest of the four for a patch)
    PRIMARY KEY (set_id, image_index, x, y, kind)
) WITHOUT ROWID;

-- The annotator's decision on a suggested place, per run: an accepted one became an annotation with
-- source 'accepted-suggestion'; a rejected one is not suggested again by any later set of the run.
CREATE TABLE suggestion_decisions (
    run_id       INTEGER NOT NULL REFERENCES runs(id),
    image_index  INTEGER NOT NULL CHECK (image_index >= 0),
    x            INTEGER NOT NULL CHECK (x >= 0),
    y            INTEGER NOT NULL CHECK (y >= 0),
    kind         TEXT NOT NULL CHECK (kind IN ('patch2x2', 'point')),
    decision     TEXT NOT NULL CHECK (decision IN ('accepted', 'rejected')),
    set_id       INTEGER REFERENCES suggestion_sets(id),
    annotator    TEXT NOT NULL DEFAULT '',
    decided_at   TEXT NOT NULL,
    PRIMARY KEY (run_id, image_index, x, y, kind)
) WITHOUT ROWID;
