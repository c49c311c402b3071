using Wasmbox.Worker;

// wasmbox-worker runs exactly one sandbox. Its parent speaks the framed protocol on our stdin and stdout
// (src/Wasmbox.Core/Protocol); "--self-check" instead reports what the jail around us looks like, for the jail tests.
return args is ["--self-check", .. var checks] ? SelfCheck.Run(checks) : WorkerLoop.Run();
