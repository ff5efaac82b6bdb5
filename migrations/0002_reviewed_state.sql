-- Per-image reviewed state, set by the labeler: "looked at, no anomaly" differs from "not looked
-- at" (the original JSON-per-image labeler could not tell them apart).
CREATE TABLE reviews (
    run_id       INTEGER NOT NULL REFERENCES runs(id),
    image_index  INTEGER NOT NULL CHECK (image_index >= 0),
    reviewed     INTEGER NOT NULL CHECK (reviewed IN (0, 1)),
    annotator    TEXT NOT NULL DEFAULT '',
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (run_id, image_index)
) WITHOUT ROWID;
