using Wasmbox.Worker;

// wasmbox-worker runs exactly one sandbox. Its parent speaks the framed protocol on our stdin and stdout
// (src/Wasmbox.Core/Protocol); "--compile" instead compiles one module for the parent's cache, and "--self-check"
// reports what the jail around us looks like, for the jail tests.
return args switch
{
    ["--self-check", .. var checks] => SelfCheck.Run(checks),
    ["--compile", .. var rest] => CompileMode.Run(rest),
    _ => ExitNow.With(WorkerLoop.Run()),
};
