"""Cross-cutting pieces every domain package uses: model base, clock, access control."""
