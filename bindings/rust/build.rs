//! build.rs - builds or finds libsiren, and records the C header's struct layout.
//!
//! By default the crate carries the library: the library's own C11 sources
//! (../../src and ../../include, this crate living in bindings/rust of the
//! repository) are compiled with the system C compiler ($CC or cc, $CFLAGS
//! added; $AR or ar) into a static archive in $OUT_DIR, linked with libm and
//! the threads library. A program that depends on the crate then runs
//! anywhere with nothing else installed and no environment variable.
//!
//! With the feature `system`, an installed libsiren is linked instead; its
//! directory, first found wins:
//!   1. $SIREN_LIB_DIR (and $SIREN_INCLUDE_DIR, default $SIREN_LIB_DIR/../include);
//!   2. `pkg-config --variable=libdir siren` (PKG_CONFIG_PATH honoured).
//! It links libsiren.so dynamically, with an rpath to that directory for
//! this crate's tests and examples (a program that depends on the crate
//! finds the library as the loader does: ldconfig, LD_LIBRARY_PATH, or the
//! rpath that siren.pc's flags give); SIREN_STATIC=1 links libsiren.a.
//!
//! It also compiles a small C program against siren.h with the system C
//! compiler and runs it: the program prints the sizes and member offsets
//! of the public structs and the header's constants as Rust constants into
//! $OUT_DIR/header_layout.rs, which tests/layout.rs compares with the
//! declarations of src/sys.rs. A header change that the Rust declarations
//! do not follow fails `cargo test`.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The library's compile flags (the Makefile's LIB_CFLAGS without -Werror
/// and -g: a newer compiler's new warning must not break a user's build).
const LIBRARY_CFLAGS: &[&str] =
    &["-std=c11", "-O2", "-fPIC", "-fvisibility=hidden", "-Wall", "-Wextra", "-Wpedantic"];

fn main() {
    for name in [
        "SIREN_LIB_DIR",
        "SIREN_INCLUDE_DIR",
        "SIREN_STATIC",
        "PKG_CONFIG_PATH",
        "CC",
        "CFLAGS",
        "AR",
    ] {
        println!("cargo:rerun-if-env-changed={}", name);
    }
    println!("cargo:rerun-if-changed=build.rs");
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let include_dir = if env::var_os("CARGO_FEATURE_SYSTEM").is_some() {
        let (lib_dir, include_dir) = locate_installed();
        link_installed(&lib_dir);
        include_dir
    } else {
        build_from_source(&out_dir)
    };
    println!("cargo:rerun-if-changed={}", include_dir.join("siren.h").display());
    println!("cargo:include={}", include_dir.display());
    println!("cargo:rerun-if-changed=src/sys.rs");
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

// ------------------------------------------------- the library from source

/// The repository's src/ and include/ (this crate is bindings/rust).
fn source_dirs() -> (PathBuf, PathBuf) {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let root = manifest.join("..").join("..");
    let (src, include) = (root.join("src"), root.join("include"));
    if !include.join("siren.h").is_file() || !src.join("libsiren.map").is_file() {
        panic!(
            "siren: libsiren's C sources are not at {} and {}: this crate builds them from \
             the repository it lives in (bindings/rust). Use it from a libsiren checkout, or \
             enable the feature `system` to link an installed libsiren.",
            src.display(),
            include.display()
        );
    }
    (src, include)
}

/// Compiles src/*.c into $OUT_DIR/libsiren.a and links it; returns the
/// include directory.
fn build_from_source(out_dir: &Path) -> PathBuf {
    let (src, include) = source_dirs();
    println!("cargo:rerun-if-changed={}", src.display());
    let mut sources: Vec<PathBuf> = fs::read_dir(&src)
        .expect("read src/")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().map_or(false, |e| e == "c"))
        .collect();
    sources.sort();
    let objects_dir = out_dir.join("siren-objects");
    fs::create_dir_all(&objects_dir).expect("create the objects directory");
    let jobs = env::var("NUM_JOBS").ok().and_then(|j| j.parse::<usize>().ok()).unwrap_or(1);
    let mut objects = Vec::new();
    for batch in sources.chunks(jobs.max(1)) {
        let running: Vec<_> = batch
            .iter()
            .map(|source| start_compile(source, &objects_dir, &src, &include))
            .collect();
        objects.extend(running.into_iter().map(finish_compile));
    }
    archive(&out_dir.join("libsiren.a"), &objects);
    println!("cargo:rustc-link-search=native={}", out_dir.display());
    println!("cargo:rustc-link-lib=static=siren");
    println!("cargo:rustc-link-lib=dylib=m");
    println!("cargo:rustc-link-lib=dylib=pthread");
    include
}

/// Starts the compiler on one source: (the object it writes, the process).
fn start_compile(
    source: &Path,
    objects_dir: &Path,
    src: &Path,
    include: &Path,
) -> (PathBuf, Child) {
    let object = objects_dir.join(source.file_stem().expect("a file name")).with_extension("o");
    let child = compiler()
        .args(LIBRARY_CFLAGS)
        .arg(format!("-I{}", include.display()))
        .arg(format!("-I{}", src.display()))
        .args(env_words("CFLAGS"))
        .arg("-c")
        .arg(source)
        .arg("-o")
        .arg(&object)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("siren: cannot run the C compiler ({}): {}", cc(), e));
    (object, child)
}

fn finish_compile((object, child): (PathBuf, Child)) -> PathBuf {
    let output = child.wait_with_output().expect("wait for the C compiler");
    if !output.status.success() {
        panic!(
            "siren: compiling {} failed:\n{}",
            object.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    object
}

fn archive(path: &Path, objects: &[PathBuf]) {
    let _ = fs::remove_file(path);
    let ar = env::var("AR").unwrap_or_else(|_| "ar".to_string());
    let status = Command::new(&ar)
        .arg("rcs")
        .arg(path)
        .args(objects)
        .status()
        .unwrap_or_else(|e| panic!("siren: cannot run {}: {}", ar, e));
    assert!(status.success(), "siren: {} could not make {}", ar, path.display());
}

fn cc() -> String {
    env::var("CC").unwrap_or_else(|_| "cc".to_string())
}

/// The C compiler, $CC split into words (it may carry flags).
fn compiler() -> Command {
    let words = cc();
    let mut words = words.split_whitespace();
    let mut command = Command::new(words.next().unwrap_or("cc"));
    command.args(words);
    command
}

fn env_words(name: &str) -> Vec<String> {
    env::var(name).map(|v| v.split_whitespace().map(String::from).collect()).unwrap_or_default()
}

// ---------------------------------------------- an installed library

/// (library directory, include directory) of an installed libsiren.
fn locate_installed() -> (PathBuf, PathBuf) {
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
    panic!(
        "siren (feature `system`): no installed libsiren. Set SIREN_LIB_DIR to the directory \
         of libsiren.so, or install it (make install) where `pkg-config --variable=libdir \
         siren` finds it (PKG_CONFIG_PATH); or drop the feature to build the library from \
         source."
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

fn link_installed(lib_dir: &Path) {
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
    let compiled = compiler()
        .arg("-std=c11")
        .arg(format!("-I{}", include_dir.display()))
        .arg(&source)
        .arg("-o")
        .arg(&binary)
        .output()
        .map_err(|e| format!("running {}: {}", cc(), e))?;
    if !compiled.status.success() {
        return Err(format!(
            "{} could not compile the probe against {}: {}",
            cc(),
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
    let compiled = compiler()
        .args(["-std=c11", "-Wall", "-Werror", "-c"])
        .arg(format!("-I{}", include_dir.display()))
        .arg(&file)
        .arg("-o")
        .arg(out_dir.join("siren_functions.o"))
        .output()
        .map_err(|e| format!("running {}: {}", cc(), e))?;
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
