//! The fast scanner (placeholder until the specialised scanner lands): always defers.

use crate::Record;

/// Parses the common flat record shape, or returns `None` to defer to the reference parser.
pub(crate) fn parse_record(_text: &str) -> Option<Record<'_>> {
    None
}
