//! roster's CSV files: users to create (`new_users`: the Microsoft 365 and Entra admin centers'
//! templates and roster's export), changes to existing users (`edits`), what is wrong with a
//! file as data (`problem`), and the cells of every CSV roster writes, safe to open in a
//! spreadsheet (`cell`). A crate of its own: the admin center and the CLI read and write these
//! files; the directory itself never sees CSV, only the job rows they become.

pub mod cell;
pub mod edits;
pub mod new_users;
pub mod problem;
pub mod records;
