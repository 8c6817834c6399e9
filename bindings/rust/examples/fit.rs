//! fit.rs - fit f(x, y) = sin(3x) cos(2y) on a 32 x 32 grid with a small
//! SIREN, then evaluate the fit's gradient and Laplacian between the grid
//! points, next to the exact values. (first_omega 10 instead of 30: this
//! signal is smooth, and a lower first frequency interpolates it better.)
//!
//!     cargo run --example fit            (in bindings/rust)

use siren::{Adam, AdamConfig, Adjoint, Config, Jet, Net, Quantities, Workspace};

fn main() -> Result<(), siren::Error> {
    let side = 32;
    let x: Vec<f32> = (0..side * side)
        .flat_map(|i| {
            let u = |k: usize| -1.0 + 2.0 * k as f32 / (side - 1) as f32;
            [u(i / side), u(i % side)]
        })
        .collect();
    let target: Vec<f32> = x.chunks(2).map(|p| (3.0 * p[0]).sin() * (2.0 * p[1]).cos()).collect();
    let n = target.len();

    let config =
        Config { hidden_features: 64, hidden_layers: 2, first_omega: 10.0, ..Config::default() };
    let mut net = Net::with_seed(&config, 42)?;
    let mut ws = Workspace::new(&net, n, Quantities::VALUE)?;
    let mut opt = Adam::new(&net, &AdamConfig { lr: 1e-3, ..AdamConfig::default() })?;
    println!("libsiren {}: {} parameters, {} points", siren::version(), net.param_count(), n);

    let mut y = vec![0.0f32; n];
    let mut dy = vec![0.0f32; n];
    for step in 0..=200 {
        net.zero_grad();
        ws.forward(&net, &x, &mut Jet { value: Some(&mut y), ..Jet::default() })?;
        let mut mse = 0.0;
        for i in 0..n {
            let r = y[i] - target[i];
            mse += r * r / n as f32;
            dy[i] = 2.0 * r / n as f32;
        }
        if step % 50 == 0 {
            println!("step {:3}  mse {:.3e}", step, mse);
        }
        ws.backward(&mut net, &Adjoint { value: Some(&dy), ..Adjoint::default() })?;
        opt.step(&mut net)?;
    }

    let mut probe = Workspace::new(&net, 1, Quantities::ALL)?;
    let at = [0.25f32, -0.5];
    let out = probe.evaluate(
        &net,
        &at,
        Quantities::VALUE | Quantities::GRADIENT | Quantities::LAPLACIAN,
    )?;
    let (v, g, l) = (out.value.unwrap(), out.gradient.unwrap(), out.laplacian.unwrap());
    let (s, c) = ((3.0 * at[0]).sin(), (2.0 * at[1]).cos());
    let (ds, dc) = (3.0 * (3.0 * at[0]).cos(), -2.0 * (2.0 * at[1]).sin());
    println!("at ({}, {}):      fit       exact", at[0], at[1]);
    println!("  f          {:9.4} {:9.4}", v[0], s * c);
    println!("  df/dx      {:9.4} {:9.4}", g[0], ds * c);
    println!("  df/dy      {:9.4} {:9.4}", g[1], s * dc);
    println!("  laplacian  {:9.4} {:9.4}", l[0], -13.0 * s * c);
    Ok(())
}
