using Wasmbox.Cli;

return WasmboxCli.Run(args, Console.Out, Console.Error);
