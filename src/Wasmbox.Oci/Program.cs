using Wasmbox.Oci.Cli;

return OciCli.Run(args, Console.Out, Console.Error);
