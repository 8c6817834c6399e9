//! build.rs - finds libsiren and records the C header's struct layout.
//!
//! The library directory, first found wins:
//!   1. $SIREN_LIB_DIR (and $SIREN_INCLUDE_DIR, default $SIREN_LIB_DIR/../include);
//!   2. `pkg-config --variable=libdir siren` (PKG_CONFIG_PATH honoured);
//!   3. the repository's lib/ and include/ (this crate lives in bindings/rust).
//! It links libsiren.so dynamically, with an rpath to that directory for
//! this crate's tests and examples; SIREN_STATIC=1 links libsiren.a instead.
//!
//! It also compiles a small C program against siren.h with the system C
//! compiler ($CC or cc) and runs it: the program prints the sizes and
//! member offsets of the public structs and the header's constants as Rust
//! constants into $OUT_DIR/header_layout.rs, which tests/layout.rs compares
//! with the declarations of src/sys.rs. A header change that the Rust
//! declarations do not follow fails `cargo test`.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    for name in ["SIREN_LIB_DIR", "SIREN_INCLUDE_DIR", "SIREN_STATIC", "PKG_CONFIG_PATH", "CC"] {
        println!("cargo:rerun-if-env-changed={}", name);
    }
    println!("cargo:rerun-if-changed=build.rs");
    let (lib_dir, include_dir) = locate();
    link(&lib_dir);
    println!("cargo:rerun-if-changed={}", include_dir.join("siren.h").display());
    println!("cargo:include={}", include_dir.display());
    println!("cargo:rerun-if-changed=src/sys.rs");
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mut layout = match probe_header(&include_dir, &out_dir) {
        Ok(constants) => format!("pub const PROBE_ERROR: Option<&str> = None;\n{}", constants),
        Err(why) => {
            println!("cargo:warning=siren: cannot check src/sys.rs against siren.h: {}", why);
            format!("pub const PROBE_ERROR: Option<&str> = Some({:?});\n", why)
        }
    };
    layout.push_str(&check_functions(&include_dir, &out_dir));
    fs::write(out_dir.join("header_layout.rs"), layout).expect("write header_layout.rs");
}

/// (library directory, include directory)
fn locate() -> (PathBuf, PathBuf) {
    if let Some(dir) = env::var_os("SIREN_LIB_DIR") {
        let lib = PathBuf::from(dir);
        let include = env::var_os("SIREN_INCLUDE_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| lib.join("..").join("include"));
        return (lib, include);
    }
    if let Some(lib) = pkg_config_variable("libdir") {
        let include = env::var_os("SIREN_INCLUDE_DIR")
            .map(PathBuf::from)
            .or_else(|| pkg_config_variable("includedir"))
            .unwrap_or_else(|| lib.join("..").join("include"));
        return (lib, include);
    }
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let root = manifest.join("..").join("..");
    if root.join("lib").join("libsiren.so").exists() || root.join("lib").join("libsiren.a").exists()
    {
        return (root.join("lib"), root.join("include"));
    }
    panic!(
        "siren: libsiren not found. Set SIREN_LIB_DIR to the directory of libsiren.so, \
         install it so that `pkg-config --variable=libdir siren` finds it, or run `make` \
         in the repository root ({}).",
        root.display()
    );
}

fn pkg_config_variable(name: &str) -> Option<PathBuf> {
    let output = Command::new("pkg-config")
        .arg(format!("--variable={}", name))
        .arg("siren")
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let text = text.trim();
    if output.status.success() && !text.is_empty() {
        Some(PathBuf::from(text))
    } else {
        None
    }
}

fn link(lib_dir: &Path) {
    println!("cargo:rustc-link-search=native={}", lib_dir.display());
    if env::var("SIREN_STATIC").map(|v| v == "1").unwrap_or(false) {
        println!("cargo:rustc-link-lib=static=siren");
        println!("cargo:rustc-link-lib=dylib=m");
        println!("cargo:rustc-link-lib=dylib=pthread");
    } else {
        println!("cargo:rustc-link-lib=dylib=siren");
        // Only this package's tests, examples and binaries get it; programs
        // that depend on the crate find the library as the loader does.
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib_dir.display());
    }
}

/// The C program's output: Rust constants for sizes, offsets and values.
fn probe_header(include_dir: &Path, out_dir: &Path) -> Result<String, String> {
    let source = out_dir.join("siren_probe.c");
    let binary = out_dir.join("siren_probe");
    fs::write(&source, PROBE).map_err(|e| format!("writing {}: {}", source.display(), e))?;
    let cc = env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let compiled = Command::new(&cc)
        .arg("-std=c11")
        .arg(format!("-I{}", include_dir.display()))
        .arg(&source)
        .arg("-o")
        .arg(&binary)
        .output()
        .map_err(|e| format!("running {}: {}", cc, e))?;
    if !compiled.status.success() {
        return Err(format!(
            "{} could not compile the probe against {}: {}",
            cc,
            include_dir.join("siren.h").display(),
            String::from_utf8_lossy(&compiled.stderr)
        ));
    }
    let ran = Command::new(&binary).output().map_err(|e| format!("running the probe: {}", e))?;
    if !ran.status.success() {
        return Err("the probe failed".to_string());
    }
    String::from_utf8(ran.stdout).map_err(|_| "the probe printed non-UTF-8".to_string())
}

/// Compiles, for every function of src/sys.rs, a C function pointer of
/// the type the Rust declaration says, initialised with the header's
/// function: any difference is an incompatible-pointer error. Returns Rust
/// constants: FUNCTION_CHECK_ERROR, and the function names of both sides.
fn check_functions(include_dir: &Path, out_dir: &Path) -> String {
    let header = fs::read_to_string(include_dir.join("siren.h")).unwrap_or_default();
    let sys = fs::read_to_string("src/sys.rs").expect("read src/sys.rs");
    let declared = header_functions(&header);
    let mut names = Vec::new();
    let mut result = Ok(());
    let mut source = String::from("#include <siren.h>\n");
    for item in extern_items(&sys) {
        match c_pointer_declaration(&item) {
            Ok((name, line)) => {
                names.push(name);
                source.push_str(&line);
            }
            Err(why) => result = Err(why),
        }
    }
    if result.is_ok() {
        result = compile_check(include_dir, out_dir, &source);
    }
    let error = match result {
        Ok(()) => "None".to_string(),
        Err(why) => format!("Some({:?})", why),
    };
    format!(
        "pub const FUNCTION_CHECK_ERROR: Option<&str> = {};\n\
         pub const HEADER_FUNCTIONS: &[&str] = &{:?};\n\
         pub const SYS_FUNCTIONS: &[&str] = &{:?};\n",
        error, declared, names
    )
}

/// Names of the functions the header declares with SIREN_API.
fn header_functions(header: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in header.lines().filter(|l| l.trim_start().starts_with("SIREN_API")) {
        if let Some(open) = line.find('(') {
            let before = line[..open].trim_end();
            let start = before
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map_or(0, |i| i + 1);
            names.push(before[start..].to_string());
        }
    }
    names
}

/// The `pub fn ...` items of the extern block, whitespace collapsed.
fn extern_items(sys: &str) -> Vec<String> {
    let start = sys.find("extern \"C\" {").expect("src/sys.rs has an extern block");
    let end = start + sys[start..].find("\n}").expect("the extern block ends");
    let body: Vec<&str> =
        sys[start..end].lines().skip(1).map(str::trim).filter(|l| !l.starts_with("//")).collect();
    body.join(" ")
        .split(';')
        .map(|item| item.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|item| !item.is_empty())
        .collect()
}

/// `pub fn f(a: *const T, n: usize) -> c_int` as
/// `int (*siren_check_f)(T const *, size_t) = f;`
fn c_pointer_declaration(item: &str) -> Result<(String, String), String> {
    let rest = item
        .strip_prefix("pub fn ")
        .ok_or_else(|| format!("unexpected item in src/sys.rs: {}", item))?;
    let open = rest.find('(').ok_or_else(|| format!("no '(' in {}", item))?;
    let close = rest.rfind(')').ok_or_else(|| format!("no ')' in {}", item))?;
    let name = rest[..open].trim().to_string();
    let mut params = Vec::new();
    for arg in rest[open + 1..close].split(',').map(str::trim).filter(|a| !a.is_empty()) {
        let colon = arg.find(':').ok_or_else(|| format!("argument without a type: {}", arg))?;
        params.push(c_type(arg[colon + 1..].trim())?);
    }
    let ret = match rest[close + 1..].trim().strip_prefix("->") {
        Some(t) => c_type(t.trim())?,
        None => "void".to_string(),
    };
    let params = if params.is_empty() { "void".to_string() } else { params.join(", ") };
    let line = format!("{} (*siren_check_{})({}) = {};\n", ret, name, params, name);
    Ok((name, line))
}

/// A Rust FFI type of src/sys.rs as a C type (east const).
fn c_type(rust: &str) -> Result<String, String> {
    if let Some(inner) = rust.strip_prefix("*const ") {
        return Ok(format!("{} const *", c_type(inner)?));
    }
    if let Some(inner) = rust.strip_prefix("*mut ") {
        return Ok(format!("{} *", c_type(inner)?));
    }
    let c = match rust {
        "c_int" => "int",
        "c_uint" => "unsigned",
        "c_char" => "char",
        "c_void" => "void",
        "usize" => "size_t",
        "u64" => "uint64_t",
        "u32" => "uint32_t",
        "i32" => "int32_t",
        "f32" => "float",
        t if t.starts_with("siren_") => t,
        t => return Err(format!("src/sys.rs uses a type build.rs cannot map to C: {}", t)),
    };
    Ok(c.to_string())
}

fn compile_check(include_dir: &Path, out_dir: &Path, source: &str) -> Result<(), String> {
    let file = out_dir.join("siren_functions.c");
    fs::write(&file, source).map_err(|e| format!("writing {}: {}", file.display(), e))?;
    let cc = env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let compiled = Command::new(&cc)
        .args(["-std=c11", "-Wall", "-Werror", "-c"])
        .arg(format!("-I{}", include_dir.display()))
        .arg(&file)
        .arg("-o")
        .arg(out_dir.join("siren_functions.o"))
        .output()
        .map_err(|e| format!("running {}: {}", cc, e))?;
    if compiled.status.success() {
        Ok(())
    } else {
        Err(format!(
            "the function types of src/sys.rs do not match {}: {}",
            include_dir.join("siren.h").display(),
            String::from_utf8_lossy(&compiled.stderr)
        ))
    }
}

const PROBE: &str = r#"
#include <siren.h>
#include <stddef.h>
#include <stdio.h>

#define SIZE(type) printf("pub const SIZEOF_%s: usize = %zu;\n", #type, sizeof(type))
#define OFFSET(type, member) \
    printf("pub const OFFSETOF_%s_%s: usize = %zu;\n", #type, #member, offsetof(type, member))
#define INT(name) printf("pub const %s: i64 = %lld;\n", #name, (long long)(name))

int main(void)
{
    SIZE(siren_config);
    OFFSET(siren_config, size);
    OFFSET(siren_config, in_features);
    OFFSET(siren_config, out_features);
    OFFSET(siren_config, hidden_features);
    OFFSET(siren_config, hidden_layers);
    OFFSET(siren_config, first_omega);
    OFFSET(siren_config, hidden_omega);
    OFFSET(siren_config, outermost_linear);
    SIZE(siren_jet);
    OFFSET(siren_jet, value);
    OFFSET(siren_jet, gradient);
    OFFSET(siren_jet, laplacian);
    OFFSET(siren_jet, hessian_diag);
    SIZE(siren_adam_config);
    OFFSET(siren_adam_config, size);
    OFFSET(siren_adam_config, lr);
    OFFSET(siren_adam_config, beta1);
    OFFSET(siren_adam_config, beta2);
    OFFSET(siren_adam_config, eps);
    OFFSET(siren_adam_config, weight_decay);
    OFFSET(siren_adam_config, clip_grad_norm);
    SIZE(siren_allocator);
    OFFSET(siren_allocator, alloc);
    OFFSET(siren_allocator, free);
    OFFSET(siren_allocator, user);
    INT(SIREN_VERSION_MAJOR);
    INT(SIREN_VERSION_MINOR);
    INT(SIREN_VERSION_PATCH);
    INT(SIREN_OK);
    INT(SIREN_ERR_INVALID_ARGUMENT);
    INT(SIREN_ERR_OUT_OF_MEMORY);
    INT(SIREN_ERR_TOO_LARGE);
    INT(SIREN_ERR_IO);
    INT(SIREN_ERR_FORMAT);
    INT(SIREN_ERR_VERSION);
    INT(SIREN_ERR_STATE);
    INT(SIREN_ERR_NONFINITE);
    INT(SIREN_VALUE);
    INT(SIREN_GRADIENT);
    INT(SIREN_LAPLACIAN);
    INT(SIREN_HESSIAN_DIAG);
    INT(SIREN_EVAL_ONLY);
    INT(SIREN_MAX_PARAMS);
    return 0;
}
"#;
