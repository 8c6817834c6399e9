//! The safe wrapper: fitting, evaluation, errors, slice checks, files.

use siren::{
    checkpoint_from_bytes, checkpoint_to_bytes, load_checkpoint, save_checkpoint, Adam, AdamConfig,
    Adjoint, Config, Jet, Net, Quantities, Status, Workspace,
};

fn small() -> Config {
    Config { hidden_features: 16, hidden_layers: 1, ..Config::default() }
}

/// n points on a line through [-1, 1]^2, [n][2].
fn points(n: usize) -> Vec<f32> {
    (0..n)
        .flat_map(|i| {
            let t = -1.0 + 2.0 * i as f32 / (n - 1) as f32;
            vec![t, 0.5 * t]
        })
        .collect()
}

fn mse_step(net: &mut Net, ws: &mut Workspace, opt: &mut Adam, x: &[f32], target: &[f32]) -> f32 {
    let mut y = vec![0.0f32; target.len()];
    net.zero_grad();
    ws.forward(net, x, &mut Jet { value: Some(&mut y), ..Jet::default() }).unwrap();
    let n = y.len() as f32;
    let dy: Vec<f32> = y.iter().zip(target).map(|(y, t)| 2.0 * (y - t) / n).collect();
    ws.backward(net, &Adjoint { value: Some(&dy), ..Adjoint::default() }).unwrap();
    opt.step(net).unwrap();
    y.iter().zip(target).map(|(y, t)| (y - t) * (y - t)).sum::<f32>() / n
}

#[test]
fn a_fit_reduces_the_loss() {
    let mut net = Net::with_seed(&Config { hidden_features: 32, ..small() }, 3).unwrap();
    let x = points(64);
    let target: Vec<f32> = x.chunks(2).map(|p| (3.0 * p[0]).sin()).collect();
    let mut ws = Workspace::new(&net, 64, Quantities::VALUE).unwrap();
    let mut opt = Adam::new(&net, &AdamConfig { lr: 1e-3, ..AdamConfig::default() }).unwrap();
    let first = mse_step(&mut net, &mut ws, &mut opt, &x, &target);
    let mut last = first;
    for _ in 0..80 {
        last = mse_step(&mut net, &mut ws, &mut opt, &x, &target);
    }
    assert!(last < 0.01 * first, "loss {} -> {}", first, last);
    assert_eq!(opt.step_count(), 81);
}

#[test]
fn evaluation_gives_consistent_jets() {
    let net = Net::with_seed(&small(), 5).unwrap();
    let x = points(10);
    let mut ws = Workspace::new(&net, 10, Quantities::ALL).unwrap();
    let all = ws.evaluate(&net, &x, Quantities::ALL).unwrap();
    let (lap, hess) = (all.laplacian.clone().unwrap(), all.hessian_diag.clone().unwrap());
    let scale = lap.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    for i in 0..10 {
        assert!((lap[i] - hess[2 * i] - hess[2 * i + 1]).abs() <= 1e-5 * scale);
    }
    let value = ws.evaluate(&net, &x, Quantities::VALUE).unwrap();
    assert_eq!(value.value, all.value);
    assert!(value.gradient.is_none());
    ws.set_laplacian_weights(Some(&[1.0, -1.0])).unwrap();
    let wave = ws.evaluate(&net, &x, Quantities::LAPLACIAN).unwrap().laplacian.unwrap();
    for i in 0..10 {
        assert!((wave[i] - hess[2 * i] + hess[2 * i + 1]).abs() <= 1e-5 * scale);
    }
    ws.set_threads(2).unwrap();
    assert_eq!(ws.threads(), 2);
    ws.set_laplacian_weights(None).unwrap();
    assert_eq!(
        ws.evaluate(&net, &x, Quantities::ALL).unwrap(),
        all,
        "bit-identical with 2 threads"
    );
}

#[test]
fn params_are_the_librarys_memory() {
    let mut net = Net::new(&small()).unwrap();
    assert!(net.params().iter().all(|&p| p == 0.0));
    assert_eq!(net.param_count(), 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1);
    net.init(1).unwrap();
    let twin = Net::with_seed(&small(), 1).unwrap();
    assert_eq!(net.params(), twin.params());
    net.params_mut().iter_mut().for_each(|p| *p = 0.0);
    let mut ws = Workspace::new(&net, 1, Quantities::VALUE).unwrap();
    let y = ws.evaluate(&net, &[0.3, 0.4], Quantities::VALUE).unwrap().value.unwrap();
    assert_eq!(y, vec![0.0]);
    net.grads_mut()[3] = 1.0;
    net.zero_grad();
    assert!(net.grads().iter().all(|&g| g == 0.0));
}

#[test]
fn slice_lengths_are_checked_before_the_call() {
    let net = Net::with_seed(&small(), 2).unwrap();
    let mut ws = Workspace::new(&net, 4, Quantities::VALUE | Quantities::GRADIENT).unwrap();
    let mut value = vec![0.0f32; 3];
    let err = ws
        .eval(&net, &[0.0; 4], &mut Jet { value: Some(&mut value), ..Jet::default() })
        .unwrap_err();
    assert_eq!(err.status, Status::InvalidArgument);
    assert!(err.message.contains("value has 3 floats; 2 points need 2"), "{}", err);
    let err = ws.evaluate(&net, &[0.0; 3], Quantities::VALUE).unwrap_err();
    assert!(err.message.contains("x has 3 floats"), "{}", err);
    let mut gradient = vec![0.0f32; 3];
    let err = ws
        .eval(&net, &[0.0; 2], &mut Jet { gradient: Some(&mut gradient), ..Jet::default() })
        .unwrap_err();
    assert!(err.message.contains("gradient has 3 floats"), "{}", err);
    let err = ws.set_laplacian_weights(Some(&[1.0])).unwrap_err();
    assert_eq!(err.status, Status::InvalidArgument);
}

#[test]
fn library_failures_carry_status_and_message() {
    let err = Net::new(&Config { hidden_features: 0, ..small() }).unwrap_err();
    assert_eq!(err.status, Status::InvalidArgument);
    assert_eq!(err.function, "siren_net_create");
    assert!(err.message.starts_with(&Status::InvalidArgument.message()));
    let net = Net::with_seed(&small(), 2).unwrap();
    let mut ws = Workspace::new(&net, 2, Quantities::VALUE).unwrap();
    let err = ws.evaluate(&net, &[0.0; 6], Quantities::VALUE).unwrap_err();
    assert_eq!(err.status, Status::TooLarge);
    let err = ws.evaluate(&net, &[0.0; 2], Quantities::GRADIENT).unwrap_err();
    assert_eq!(err.status, Status::State);
    let mut other = Net::with_seed(&Config { hidden_features: 8, ..small() }, 1).unwrap();
    let err = ws.evaluate(&other, &[0.0; 2], Quantities::VALUE).unwrap_err();
    assert_eq!(err.status, Status::State);
    let err = ws.backward(&mut other, &Adjoint::default()).unwrap_err();
    assert_eq!(err.status, Status::State);
    let mut same = net.try_clone().unwrap();
    let err = ws.backward(&mut same, &Adjoint::default()).unwrap_err();
    assert_eq!(err.status, Status::State, "no forward yet: {}", err);
    let err = Adam::new(&net, &AdamConfig { lr: -1.0, ..AdamConfig::default() }).unwrap_err();
    assert_eq!(err.status, Status::InvalidArgument);
    assert!(format!("{}", err).contains("siren_adam_create"));
    let err = Net::load("/nonexistent/model.siren").unwrap_err();
    assert_eq!(err.status, Status::Io);
    assert!(err.message.contains("/nonexistent/model.siren"));
    assert_eq!(Net::from_bytes(b"garbage").unwrap_err().status, Status::Format);
    assert_eq!(Status::from_code(-99), Status::Other(-99));
}

#[test]
fn a_nan_gradient_is_refused_and_changes_nothing() {
    let mut net = Net::with_seed(&small(), 8).unwrap();
    let mut opt = Adam::new(&net, &AdamConfig::default()).unwrap();
    net.grads_mut()[5] = f32::NAN;
    let before = net.params().to_vec();
    let err = opt.step(&mut net).unwrap_err();
    assert_eq!(err.status, Status::NonFinite);
    assert_eq!(net.params(), &before[..]);
    assert_eq!(opt.step_count(), 0);
}

#[test]
fn files_and_checkpoints_round_trip() {
    let dir = std::env::temp_dir().join(format!("siren-rust-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut net = Net::with_seed(&small(), 4).unwrap();
    let path = dir.join("model.siren");
    net.save(&path).unwrap();
    assert_eq!(Net::load(&path).unwrap().params(), net.params());
    assert_eq!(net.to_bytes().unwrap(), std::fs::read(&path).unwrap());

    let x = points(16);
    let target: Vec<f32> = x.chunks(2).map(|p| p[0] * p[1]).collect();
    let mut ws = Workspace::new(&net, 16, Quantities::VALUE).unwrap();
    let mut opt = Adam::new(&net, &AdamConfig { lr: 1e-3, ..AdamConfig::default() }).unwrap();
    for _ in 0..3 {
        mse_step(&mut net, &mut ws, &mut opt, &x, &target);
    }
    let ckpt = dir.join("run.ckpt");
    save_checkpoint(&ckpt, &net, &opt).unwrap();
    let bytes = checkpoint_to_bytes(&net, &opt).unwrap();
    for _ in 0..3 {
        mse_step(&mut net, &mut ws, &mut opt, &x, &target);
    }
    for (mut net2, mut opt2) in
        [load_checkpoint(&ckpt).unwrap(), checkpoint_from_bytes(&bytes).unwrap()]
    {
        assert_eq!(opt2.step_count(), 3);
        let mut ws2 = Workspace::new(&net2, 16, Quantities::VALUE).unwrap();
        for _ in 0..3 {
            mse_step(&mut net2, &mut ws2, &mut opt2, &x, &target);
        }
        assert_eq!(net2.params(), net.params(), "resumed training is bit-identical");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_net_is_shared_between_threads() {
    let net = Net::with_seed(&small(), 6).unwrap();
    let x = points(8);
    let mut ws = Workspace::new(&net, 8, Quantities::ALL).unwrap();
    let want = ws.evaluate(&net, &x, Quantities::ALL).unwrap();
    std::thread::scope(|scope| {
        for _ in 0..3 {
            scope.spawn(|| {
                let mut own = Workspace::new_eval_only(&net, 8, Quantities::ALL).unwrap();
                assert_eq!(own.evaluate(&net, &x, Quantities::ALL).unwrap(), want);
            });
        }
    });
}

#[test]
fn file_errors_carry_the_os_reason() {
    let err = Net::load("/nonexistent/model.siren").unwrap_err();
    assert_eq!(err.status, Status::Io);
    assert_eq!(err.os_error, Some(2), "ENOENT: {}", err);
    assert_eq!(err.io_error().unwrap().kind(), std::io::ErrorKind::NotFound);
    assert!(err.message.contains("No such file or directory"), "{}", err);
    let io: std::io::Error = err.into();
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
    let dir = std::env::temp_dir();
    let err = Net::load(&dir).unwrap_err();
    assert_eq!(err.os_error, Some(21), "EISDIR: {}", err);
    let net = Net::new(&small()).unwrap();
    let err = net.save("/nonexistent/dir/model.siren").unwrap_err();
    assert_eq!(err.io_error().map(|e| e.kind()), Some(std::io::ErrorKind::NotFound));
    let opt = Adam::new(&net, &AdamConfig::default()).unwrap();
    let err = save_checkpoint(&dir, &net, &opt).unwrap_err();
    assert_eq!(err.os_error, Some(21), "a directory in the way: {}", err);
    assert!(load_checkpoint("/nonexistent/run.ckpt").unwrap_err().io_error().is_some());
    assert_eq!(Net::from_bytes(b"garbage").unwrap_err().os_error, None);
}

#[test]
fn instances_equal_separate_networks() {
    let config = Config { out_features: 2, ..small() };
    let nets: Vec<Net> = (1..4).map(|seed| Net::with_seed(&config, seed).unwrap()).collect();
    let params: Vec<f32> = nets.iter().flat_map(|n| n.params().to_vec()).collect();
    let x = points(3 * 5);
    let mut ws = Workspace::new(&nets[0], 15, Quantities::ALL).unwrap();
    let mut value = vec![0.0f32; 15 * 2];
    let mut gradient = vec![0.0f32; 15 * 2 * 2];
    ws.eval_instances(
        &nets[0],
        &params,
        &x,
        &mut Jet { value: Some(&mut value), gradient: Some(&mut gradient), ..Jet::default() },
    )
    .unwrap();
    for (i, net) in nets.iter().enumerate() {
        let mut own = Workspace::new(net, 5, Quantities::ALL).unwrap();
        let want = own.evaluate(net, &x[i * 10..(i + 1) * 10], Quantities::ALL).unwrap();
        assert_eq!(&value[i * 10..(i + 1) * 10], &want.value.unwrap()[..]);
        assert_eq!(&gradient[i * 20..(i + 1) * 20], &want.gradient.unwrap()[..]);
    }
}

#[test]
fn instances_gradients_equal_separate_backwards() {
    let mut nets: Vec<Net> = (4..6).map(|seed| Net::with_seed(&small(), seed).unwrap()).collect();
    let params: Vec<f32> = nets.iter().flat_map(|n| n.params().to_vec()).collect();
    let count = nets[0].param_count();
    let x = points(2 * 6);
    let adjoint: Vec<f32> = (0..12).map(|i| (i as f32 * 0.37).sin()).collect();
    let arch = nets[0].try_clone().unwrap();
    let mut ws = Workspace::new(&arch, 12, Quantities::VALUE | Quantities::LAPLACIAN).unwrap();
    let mut value = vec![0.0f32; 12];
    let mut laplacian = vec![0.0f32; 12];
    let mut grads = vec![0.0f32; 2 * count];
    {
        let mut tape = ws
            .forward_instances(
                &arch,
                &params,
                &x,
                &mut Jet {
                    value: Some(&mut value),
                    laplacian: Some(&mut laplacian),
                    ..Jet::default()
                },
            )
            .unwrap();
        assert_eq!((tape.instances(), tape.points()), (2, 6));
        let both =
            Adjoint { value: Some(&adjoint), laplacian: Some(&adjoint), ..Adjoint::default() };
        tape.backward(&both, &mut grads).unwrap();
        let err = tape.backward(&both, &mut grads[..count]).unwrap_err();
        assert!(err.message.contains("grads has"), "{}", err);
    }
    for (i, net) in nets.iter_mut().enumerate() {
        let mut own = Workspace::new(net, 6, Quantities::VALUE | Quantities::LAPLACIAN).unwrap();
        let mut v = vec![0.0f32; 6];
        let mut l = vec![0.0f32; 6];
        net.zero_grad();
        own.forward(
            net,
            &x[i * 12..(i + 1) * 12],
            &mut Jet { value: Some(&mut v), laplacian: Some(&mut l), ..Jet::default() },
        )
        .unwrap();
        assert_eq!(&v[..], &value[i * 6..(i + 1) * 6]);
        let a = &adjoint[i * 6..(i + 1) * 6];
        own.backward(net, &Adjoint { value: Some(a), laplacian: Some(a), ..Adjoint::default() })
            .unwrap();
        assert_eq!(net.grads(), &grads[i * count..(i + 1) * count]);
    }
    let err = ws.eval_instances(&arch, &params[1..], &x, &mut Jet::default()).unwrap_err();
    assert!(err.message.contains("params has"), "{}", err);
}

#[test]
fn no_points_is_a_valid_call() {
    let mut net = Net::with_seed(&small(), 9).unwrap();
    let mut ws = Workspace::new(&net, 4, Quantities::ALL).unwrap();
    let out = ws.evaluate(&net, &[], Quantities::ALL).unwrap();
    assert_eq!(out.value, Some(vec![]));
    let mut y = vec![0.0f32; 4];
    ws.forward(&net, &points(2), &mut Jet { value: Some(&mut y[..2]), ..Jet::default() }).unwrap();
    ws.forward(&net, &[], &mut Jet { value: Some(&mut []), ..Jet::default() }).unwrap();
    net.zero_grad();
    ws.backward(&mut net, &Adjoint { value: Some(&[]), ..Adjoint::default() }).unwrap();
    assert!(net.grads().iter().all(|&g| g == 0.0), "an empty forward adds nothing");
    let params = net.params().to_vec();
    let arch = net.try_clone().unwrap();
    let mut tape = ws.forward_instances(&arch, &params[..0], &[], &mut Jet::default()).unwrap();
    assert_eq!(tape.instances(), 0);
    tape.backward(&Adjoint::default(), &mut []).unwrap();
}
