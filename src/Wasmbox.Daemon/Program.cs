using Wasmbox.Daemon.Hosting;

// The daemon listens on a Unix socket and starts Linux workers; it is built for Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

// wasmbox-daemon: started by `wasmbox daemon` (or directly); see DaemonOptions for its flags.
return await DaemonMain.RunAsync(args);
