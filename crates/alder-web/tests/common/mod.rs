//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

use std::path::Path;

use alder_web::Settings;

/// Writes `files` (relative path, content) below `root`.
pub fn write_files(root: &Path, files: &[(&str, &str)]) {
    for (name, content) in files {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
}

/// Debug settings whose project template and static folders are inside `root`.
pub fn settings_in(root: &Path, debug: bool) -> Settings {
    let mut settings = if debug {
        Settings::debug()
    } else {
        production()
    };
    settings.templates_dir = root.join("templates");
    settings.static_dir = root.join("static");
    settings.static_root = root.join("collected");
    settings
}

/// Production settings with a proper secret key.
pub fn production() -> Settings {
    let mut settings = Settings::default();
    settings.secret_key = "k".repeat(50);
    settings
}
