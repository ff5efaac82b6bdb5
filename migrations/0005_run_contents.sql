-- What a run's feature folder holds: 'features' (features.npy and norms.npy, every run before this
-- migration) or 'norms' (norms.npy only, `normlab extract --keep norms`). Readers of token vectors
-- refuse a norms-only run by this column instead of failing on a missing file.

ALTER TABLE runs ADD COLUMN contents TEXT NOT NULL DEFAULT 'features' CHECK (contents IN ('features', 'norms'));
