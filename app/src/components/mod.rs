pub mod icons;
pub mod modal;
