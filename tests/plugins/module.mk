# tests/plugins: filled in by its owner
