pub mod confirm;
pub mod copy;
pub mod form_error;
pub mod icons;
pub mod load;
pub mod modal;
pub mod reveal;
pub mod table;
