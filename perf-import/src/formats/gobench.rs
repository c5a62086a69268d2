use std::io::BufRead;

use crate::{Context, ImportError};

pub(crate) fn import<R: BufRead>(_reader: R, _context: &mut Context<'_>) -> Result<(), ImportError> {
    Ok(())
}
