pub mod confirm;
pub mod copy;
pub mod icons;
pub mod modal;
pub mod reveal;
pub mod table;
