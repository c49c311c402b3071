using Wasmbox.Oci.Bundle;

namespace Wasmbox.Oci.Tests;

/// <summary>crun's rules for "this is wasm", and the pause container that never is.</summary>
public sealed class WasmDetectionTests
{
    private static bool IsWasm(TestBundle bundle) => WasmDetection.IsWasm(BundleReader.Read(bundle.Save()), out _);

    [Theory]
    [InlineData("run.oci.handler", "wasm", "/app", true)]
    [InlineData("module.wasm.image/variant", "compat", "/app", true)]
    [InlineData("run.oci.handler", "wasm-smart", "/app.wasm", true)]
    [InlineData("run.oci.handler", "wasm-smart", "/app.wat", true)]
    [InlineData("run.oci.handler", "wasm-smart", "/app", false)]
    [InlineData("module.wasm.image/variant", "compat-smart", "/app.wasm", true)]
    [InlineData("module.wasm.image/variant", "compat-smart", "/bin/sh", false)]
    [InlineData("run.oci.handler", "other", "/app.wasm", false)]
    public void IsWasm_Annotations_DecideAsCrunDoes(string key, string value, string args0, bool wasm)
    {
        using var bundle = new TestBundle(args0).Annotate(key, value);
        Assert.Equal(wasm, IsWasm(bundle));
    }

    [Fact]
    public void IsWasm_WasmMagicInArgs0_IsWasmWithoutAnnotations()
    {
        using var bundle = new TestBundle("/bin/server").WithGuest("hello");
        Directory.CreateDirectory(Path.Combine(bundle.Rootfs, "bin"));
        File.Copy(Guests.C("hello"), Path.Combine(bundle.Rootfs, "bin", "server"));
        Assert.True(IsWasm(bundle));
    }

    [Fact]
    public void IsWasm_ElfOrMissingArgs0_IsNotWasm()
    {
        using var bundle = new TestBundle("/bin/sh");
        Directory.CreateDirectory(Path.Combine(bundle.Rootfs, "bin"));
        File.WriteAllBytes(Path.Combine(bundle.Rootfs, "bin", "sh"), [0x7f, (byte)'E', (byte)'L', (byte)'F']);
        Assert.False(IsWasm(bundle));
        using var empty = new TestBundle("/nothing.wasm");
        Assert.False(IsWasm(empty));
    }

    [Fact]
    public void IsWasm_PodSandbox_NeverWasm()
    {
        using var bundle = new TestBundle("/hello.wasm").WithGuest("hello")
            .Annotate("run.oci.handler", "wasm").Annotate("io.kubernetes.cri.container-type", "sandbox");
        Assert.False(IsWasm(bundle));
    }
}
