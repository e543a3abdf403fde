//! Pure normalization rules and validators per custom field type; no I/O.
