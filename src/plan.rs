//! Normalization plans: proposals read from Clio, classified, stored in SQLite, reviewed
//! before anything is written.

pub mod export;
pub mod model;

pub use model::{ItemClass, PlanCounts, PlanField, PlanHeader, PlanItem, PlanSource, PlanStatus};
