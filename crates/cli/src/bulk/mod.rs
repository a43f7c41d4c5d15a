//! Bulk moves of secrets: `tresor export` (`export`) and `tresor import`
//! (`import`), over a common file model (`document`), age encryption
//! (`sealing`), and a few calls at a time with a progress bar (`parallel`,
//! `progress`).

mod document;
pub mod export;
pub mod import;
mod parallel;
mod progress;
mod sealing;
