"""The numbers each explain page quotes, computed with the standard library only (so
`dlcourse explain` starts instantly), and the figures some pages can save."""
