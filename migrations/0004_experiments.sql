-- The layer-wise experiment runs of `normlab experiments run`: which dataset, model and settings they
-- ran with and the folder holding their arrays and figure. One row per output folder (a rerun into
-- the same folder replaces its row).

CREATE TABLE experiments (
    id             INTEGER PRIMARY KEY,
    dataset_id     INTEGER NOT NULL REFERENCES datasets(id),
    folder         TEXT NOT NULL UNIQUE,    -- absolute path of the output folder
    experiments    TEXT NOT NULL,           -- comma-separated: anomalies, token-groups, position
    layer_count    INTEGER NOT NULL CHECK (layer_count >= 1),
    image_count    INTEGER NOT NULL CHECK (image_count >= 1),
    model          TEXT NOT NULL,
    model_hash     TEXT NOT NULL,           -- 'unet:<hex> vae:<hex> text_encoder:<hex>'
    timestep       INTEGER NOT NULL,
    seed           TEXT NOT NULL,           -- decimal; torch seeds are unsigned 64-bit
    batch_size     INTEGER NOT NULL CHECK (batch_size >= 1),
    labels_sha256  TEXT,                    -- SHA-256 of the --labels file, NULL without one
    settings_json  TEXT NOT NULL,           -- everything else, as experiment.json records it
    finished_at    TEXT NOT NULL
);

CREATE INDEX experiments_by_dataset ON experiments(dataset_id);
