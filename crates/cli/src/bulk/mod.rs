//! Bulk moves of secrets: `tresor export` (`export`) and `tresor import`
//! (`import`), over a common file model (`document`), age encryption
//! (`sealing`) and a progress bar for long runs (`progress`).

mod document;
pub mod export;
pub mod import;
mod progress;
mod sealing;
