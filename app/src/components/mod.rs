pub mod confirm;
pub mod icons;
pub mod modal;
pub mod reveal;
pub mod table;
