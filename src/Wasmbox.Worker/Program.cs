using Wasmbox.Worker;

// wasmbox-worker runs exactly one sandbox. Its parent speaks the framed protocol on our stdin and stdout
// (src/Wasmbox.Core/Protocol); "--engine fuel|nofuel epoch|noepoch" names the engine the assignment will need, to make
// it while the parent answers our hello; "--compile" instead compiles one module for the parent's cache, and "--self-check"
// reports what the jail around us looks like, for the jail tests.
return args switch
{
    ["--self-check", .. var checks] => SelfCheck.Run(checks),
    ["--compile", .. var rest] => CompileMode.Run(rest),
    ["--engine", var fuel and ("fuel" or "nofuel"), var epoch and ("epoch" or "noepoch")] =>
        ExitNow.With(WorkerLoop.Run(new Wasmbox.Runtime.Engines.EngineSettings(Fuel: fuel == "fuel", Epoch: epoch == "epoch"))),
    _ => ExitNow.With(WorkerLoop.Run(expected: null)),
};
