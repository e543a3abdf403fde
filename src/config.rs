//! Process configuration from the environment.
