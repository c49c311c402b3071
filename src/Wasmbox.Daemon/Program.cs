using Wasmbox.Daemon.Hosting;

// wasmbox-daemon: started by `wasmbox daemon` (or directly); see DaemonOptions for its flags.
return await DaemonMain.RunAsync(args);
