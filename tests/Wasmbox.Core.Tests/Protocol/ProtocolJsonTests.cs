using System.Text;
using System.Text.Json.Nodes;
using Wasmbox.Core.Protocol;

namespace Wasmbox.Core.Tests.Protocol;

public class ProtocolJsonTests
{
    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>The sample assignment as a JSON tree, to spoil one member of.</summary>
    private static JsonObject AssignmentNode() => JsonNode.Parse(ProtocolJson.Serialize(WireSamples.Assignment()))!.AsObject();

    private static byte[] Bytes(JsonNode node) => Utf8(node.ToJsonString());

    [Fact]
    public void Serialize_Hello_IsSnakeCaseOnOneLine()
    {
        var json = Encoding.UTF8.GetString(ProtocolJson.Serialize(new WorkerHello(1, 4242, "0.3.0-abc")));
        Assert.Equal("""{"protocol":1,"pid":4242,"worker_version":"0.3.0-abc"}""", json);
    }

    [Fact]
    public void Serialize_Assignment_UsesSnakeCaseNamesAndWritesNulls()
    {
        var assignment = WireSamples.Assignment() with
        {
            Policy = WireSamples.Policy() with { DeterministicSeed = null, Limits = new WireLimits(null, null, null, null, null, null, null) },
        };
        var json = Encoding.UTF8.GetString(ProtocolJson.Serialize(assignment));
        foreach (var name in new[] { "module_path", "precompiled", "module_sha256", "argv0", "args", "listener_fds", "stdout_fd", "stderr_fd", "trace", "spent_ms", "epoch_checks", "broker_fd",
                     "host_path", "guest_path", "read_only", "deterministic_seed", "max_memory_bytes", "fuel", "timeout_ms",
                     "max_open_files", "max_disk_write_bytes", "max_output_bytes", "cpu_time_ms", "allow_net", "max_connections", "max_net_bytes" })
            Assert.Contains($"\"{name}\":", json);
        Assert.Contains("\"deterministic_seed\":null", json);
        Assert.Contains("\"cpu_time_ms\":null", json);
        Assert.Contains("\"max_connections\":null", json);
        Assert.Contains("\"max_net_bytes\":null", json);
        Assert.DoesNotContain('\n', json);
    }

    [Fact]
    public void Deserialize_Hello_RoundTrips()
    {
        var hello = new WorkerHello(Frames.ProtocolVersion, 1, "v");
        Assert.Equal(hello, ProtocolJson.Deserialize<WorkerHello>(ProtocolJson.Serialize(hello)));
    }

    [Fact]
    public void Deserialize_Assignment_RoundTripsEveryMember()
    {
        var assignment = WireSamples.Assignment();
        Assert.Equivalent(assignment, ProtocolJson.Deserialize<WorkerAssignment>(ProtocolJson.Serialize(assignment)), strict: true);
    }

    [Fact]
    public void Deserialize_Result_RoundTripsEveryMember()
    {
        var result = WireSamples.Result();
        Assert.Equivalent(result, ProtocolJson.Deserialize<WorkerResult>(ProtocolJson.Serialize(result)), strict: true);
    }

    [Fact]
    public void Deserialize_ResultWithNulls_RoundTrips()
    {
        var result = new WorkerResult("timeout", null, null, "stopped", null, 0, 0, null, 0, null, [], null);
        Assert.Equivalent(result, ProtocolJson.Deserialize<WorkerResult>(ProtocolJson.Serialize(result)), strict: true);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("not json")]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("42")]
    [InlineData("\"hello\"")]
    [InlineData("{}")]
    [InlineData("""{"protocol":1,"pid":1,"worker_version":"v"} trailing""")]
    [InlineData("""{"protocol":1,"pid":1,"worker_version":"v",}""")]
    [InlineData("""{"protocol":"1","pid":1,"worker_version":"v"}""")]
    [InlineData("""{"protocol":1.5,"pid":1,"worker_version":"v"}""")]
    [InlineData("""{"protocol":1,"pid":1,"worker_version":7}""")]
    [InlineData("""{"protocol":1,"pid":1,"worker_version":["v"]}""")]
    [InlineData("""{"protocol":1,"pid":99999999999,"worker_version":"v"}""")]
    public void Deserialize_GarbageOrWrongShapeHello_ThrowsProtocolException(string json)
    {
        var e = Assert.Throws<ProtocolException>(() => ProtocolJson.Deserialize<WorkerHello>(Utf8(json)));
        Assert.StartsWith("protocol: bad WorkerHello JSON: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Deserialize_JsonNull_ThrowsProtocolException()
    {
        var e = Assert.Throws<ProtocolException>(() => ProtocolJson.Deserialize<WorkerResult>("null"u8));
        Assert.Contains("null where an object was expected", e.Message);
    }

    [Fact]
    public void Deserialize_InvalidUtf8_ThrowsProtocolException()
    {
        byte[] json = [.. "{\"protocol\":1,\"pid\":1,\"worker_version\":\""u8, 0xFF, 0xFE, .. "\"}"u8];
        Assert.Throws<ProtocolException>(() => ProtocolJson.Deserialize<WorkerHello>(json));
    }

    [Theory]
    [InlineData("protocol")]
    [InlineData("module_path")]
    [InlineData("precompiled")]
    [InlineData("module_sha256")]
    [InlineData("argv0")]
    [InlineData("args")]
    [InlineData("policy")]
    [InlineData("trace")]
    [InlineData("listener_fds")]
    [InlineData("stdout_fd")]
    [InlineData("stderr_fd")]
    public void Deserialize_AssignmentMissingMember_ThrowsNamingIt(string member)
    {
        var node = AssignmentNode();
        Assert.True(node.Remove(member));
        var e = Assert.Throws<ProtocolException>(() => ProtocolJson.Deserialize<WorkerAssignment>(Bytes(node)));
        Assert.Contains(member, e.Message);
    }

    [Theory]
    [InlineData("dirs")]
    [InlineData("env")]
    [InlineData("limits")]
    [InlineData("stdin")]
    [InlineData("deterministic_seed")]
    [InlineData("allow_net")]
    public void Deserialize_PolicyMissingMember_Throws(string member)
    {
        var node = AssignmentNode();
        Assert.True(node["policy"]!.AsObject().Remove(member));
        var e = Assert.Throws<ProtocolException>(() => ProtocolJson.Deserialize<WorkerAssignment>(Bytes(node)));
        Assert.Contains(member, e.Message);
    }

    [Theory]
    [InlineData("max_memory_bytes")]
    [InlineData("fuel")]
    [InlineData("timeout_ms")]
    [InlineData("max_open_files")]
    [InlineData("max_disk_write_bytes")]
    [InlineData("max_output_bytes")]
    [InlineData("cpu_time_ms")]
    [InlineData("max_connections")]
    [InlineData("max_net_bytes")]
    public void Deserialize_LimitsMissingMember_Throws(string member)
    {
        var node = AssignmentNode();
        Assert.True(node["policy"]!["limits"]!.AsObject().Remove(member));
        Assert.Throws<ProtocolException>(() => ProtocolJson.Deserialize<WorkerAssignment>(Bytes(node)));
    }

    [Theory]
    [InlineData("host_path")]
    [InlineData("guest_path")]
    [InlineData("read_only")]
    public void Deserialize_DirGrantMissingMember_Throws(string member)
    {
        var node = AssignmentNode();
        Assert.True(node["policy"]!["dirs"]![0]!.AsObject().Remove(member));
        Assert.Throws<ProtocolException>(() => ProtocolJson.Deserialize<WorkerAssignment>(Bytes(node)));
    }

    [Theory]
    [InlineData("outcome")]
    [InlineData("guest_exit_code")]
    [InlineData("trap")]
    [InlineData("message")]
    [InlineData("setup_stage")]
    [InlineData("wall_ms")]
    [InlineData("cpu_ms")]
    [InlineData("fuel_consumed")]
    [InlineData("peak_memory_bytes")]
    [InlineData("peak_rss_bytes")]
    [InlineData("limits_hit")]
    [InlineData("module_sha256")]
    [InlineData("net")]
    public void Deserialize_ResultMissingMember_ThrowsNamingIt(string member)
    {
        var node = JsonNode.Parse(ProtocolJson.Serialize(WireSamples.Result()))!.AsObject();
        Assert.True(node.Remove(member));
        var e = Assert.Throws<ProtocolException>(() => ProtocolJson.Deserialize<WorkerResult>(Bytes(node)));
        Assert.Contains(member, e.Message);
    }

    [Theory]
    [InlineData("module_path")]
    [InlineData("module_sha256")]
    [InlineData("argv0")]
    [InlineData("args")]
    [InlineData("policy")]
    [InlineData("listener_fds")]
    public void Deserialize_AssignmentNullForNonNullableMember_Throws(string member)
    {
        var node = AssignmentNode();
        node[member] = null;
        Assert.Throws<ProtocolException>(() => ProtocolJson.Deserialize<WorkerAssignment>(Bytes(node)));
    }

    [Fact]
    public void Deserialize_NullHostPath_Throws()
    {
        var node = AssignmentNode();
        node["policy"]!["dirs"]![0]!["host_path"] = null;
        Assert.Throws<ProtocolException>(() => ProtocolJson.Deserialize<WorkerAssignment>(Bytes(node)));
    }

    [Fact]
    public void Deserialize_NullResultMessage_Throws()
    {
        var node = JsonNode.Parse(ProtocolJson.Serialize(WireSamples.Result()))!.AsObject();
        node["message"] = null;
        Assert.Throws<ProtocolException>(() => ProtocolJson.Deserialize<WorkerResult>(Bytes(node)));
    }

    [Fact]
    public void Deserialize_NullArg_ThrowsNamingArgs()
    {
        var node = AssignmentNode();
        node["args"]!.AsArray().Add(null);
        var e = Assert.Throws<ProtocolException>(() => ProtocolJson.Deserialize<WorkerAssignment>(Bytes(node)));
        Assert.Contains("null element in args", e.Message);
    }

    [Theory]
    [InlineData("dirs")]
    [InlineData("env")]
    [InlineData("allow_net")]
    public void Deserialize_NullPolicyListElement_ThrowsNamingIt(string list)
    {
        var node = AssignmentNode();
        node["policy"]![list]!.AsArray().Add(null);
        var e = Assert.Throws<ProtocolException>(() => ProtocolJson.Deserialize<WorkerAssignment>(Bytes(node)));
        Assert.Contains($"null element in policy.{list}", e.Message);
    }

    [Fact]
    public void Deserialize_NullLimitName_Throws()
    {
        var node = JsonNode.Parse(ProtocolJson.Serialize(WireSamples.Result()))!.AsObject();
        node["limits_hit"]!.AsArray().Add(null);
        var e = Assert.Throws<ProtocolException>(() => ProtocolJson.Deserialize<WorkerResult>(Bytes(node)));
        Assert.Contains("null element in limits_hit", e.Message);
    }

    [Fact]
    public void Deserialize_NullAllowNet_Throws()
    {
        var node = AssignmentNode();
        node["policy"]!["allow_net"] = null;
        Assert.Throws<ProtocolException>(() => ProtocolJson.Deserialize<WorkerAssignment>(Bytes(node)));
    }

    [Fact]
    public void Deserialize_NullNetLimitsAndUsage_AreAccepted()
    {
        var node = AssignmentNode();
        node["policy"]!["limits"]!["max_connections"] = null;
        node["policy"]!["limits"]!["max_net_bytes"] = null;
        var assignment = ProtocolJson.Deserialize<WorkerAssignment>(Bytes(node));
        Assert.Null(assignment.Policy.Limits.MaxConnections);
        Assert.Null(assignment.Policy.Limits.MaxNetBytes);

        var result = JsonNode.Parse(ProtocolJson.Serialize(WireSamples.Result()))!.AsObject();
        result["net"] = null;
        Assert.Null(ProtocolJson.Deserialize<WorkerResult>(Bytes(result)).Net);
    }

    [Theory]
    [InlineData("connections_made")]
    [InlineData("connections_refused")]
    [InlineData("bytes_sent")]
    [InlineData("bytes_received")]
    public void Deserialize_NetUsageMissingMember_ThrowsNamingIt(string member)
    {
        var node = JsonNode.Parse(ProtocolJson.Serialize(WireSamples.Result()))!.AsObject();
        Assert.True(node["net"]!.AsObject().Remove(member));
        var e = Assert.Throws<ProtocolException>(() => ProtocolJson.Deserialize<WorkerResult>(Bytes(node)));
        Assert.Contains(member, e.Message);
    }

    [Fact]
    public void Deserialize_NullForNullableMembers_IsAccepted()
    {
        var node = AssignmentNode();
        node["policy"]!["deterministic_seed"] = null;
        node["policy"]!["limits"]!["fuel"] = null;
        var assignment = ProtocolJson.Deserialize<WorkerAssignment>(Bytes(node));
        Assert.Null(assignment.Policy.DeterministicSeed);
        Assert.Null(assignment.Policy.Limits.Fuel);
    }

    [Fact]
    public void Deserialize_UnknownMember_Throws()
    {
        var node = AssignmentNode();
        node["isolation"] = "none";
        var e = Assert.Throws<ProtocolException>(() => ProtocolJson.Deserialize<WorkerAssignment>(Bytes(node)));
        Assert.Contains("isolation", e.Message);
    }

    [Fact]
    public void Deserialize_DuplicateMember_Throws()
    {
        // A duplicate could let a checker and the worker see different values; the last one must not silently win.
        var json = """{"protocol":1,"pid":1,"worker_version":"v","pid":2}""";
        Assert.Throws<ProtocolException>(() => ProtocolJson.Deserialize<WorkerHello>(Utf8(json)));
    }

    [Fact]
    public void Serialize_TypeOutsideTheProtocol_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => ProtocolJson.Serialize("just a string"));
        Assert.Throws<ArgumentException>(() => ProtocolJson.Deserialize<string>("\"x\""u8));
    }

    [Fact]
    public void RequireVersion_Ours_DoesNotThrow()
    {
        Frames.RequireVersion(Frames.ProtocolVersion, "the worker");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(Frames.ProtocolVersion + 1)]
    [InlineData(-1)]
    public void RequireVersion_Other_ThrowsNamingBoth(int version)
    {
        var e = Assert.Throws<ProtocolException>(() => Frames.RequireVersion(version, "the worker"));
        Assert.StartsWith($"protocol: version mismatch: the worker speaks protocol {version}, this side speaks {Frames.ProtocolVersion}", e.Message);
    }

    [Fact]
    public void ReadHello_Ours_ReturnsIt()
    {
        var hello = new WorkerHello(Frames.ProtocolVersion, 9, "v");
        Assert.Equal(hello, ProtocolJson.ReadHello(ProtocolJson.Serialize(hello)));
    }

    [Fact]
    public void ReadHello_OtherVersion_IsAVersionMismatch()
    {
        var e = Assert.Throws<ProtocolException>(() => ProtocolJson.ReadHello(ProtocolJson.Serialize(new WorkerHello(Frames.ProtocolVersion + 1, 9, "v"))));
        Assert.Contains("version mismatch", e.Message);
    }

    [Fact]
    public void ReadHello_OtherVersionWithOtherShape_IsAVersionMismatchNotAShapeError()
    {
        var json = """{"features":["x"],"protocol":99,"worker":{"version":"9"}}""";
        var e = Assert.Throws<ProtocolException>(() => ProtocolJson.ReadHello(Utf8(json)));
        Assert.Contains("version mismatch: the worker speaks protocol 99", e.Message);
    }

    [Fact]
    public void ReadHello_OurVersionWithMissingMember_IsAShapeError()
    {
        var e = Assert.Throws<ProtocolException>(() => ProtocolJson.ReadHello(Utf8($$"""{"protocol":{{Frames.ProtocolVersion}},"pid":3}""")));
        Assert.Contains("worker_version", e.Message);
    }

    [Fact]
    public void ReadAssignment_OtherVersion_IsAVersionMismatch()
    {
        var node = AssignmentNode();
        node["protocol"] = 0;
        node.Remove("trace");
        var e = Assert.Throws<ProtocolException>(() => ProtocolJson.ReadAssignment(Bytes(node)));
        Assert.Contains("version mismatch: the parent speaks protocol 0", e.Message);
    }

    [Fact]
    public void ReadAssignment_Valid_ReturnsIt()
    {
        var assignment = WireSamples.Assignment();
        Assert.Equivalent(assignment, ProtocolJson.ReadAssignment(ProtocolJson.Serialize(assignment)), strict: true);
    }

    [Fact]
    public void ReadAssignment_InvalidValue_IsRefused()
    {
        var assignment = WireSamples.Assignment() with { ModulePath = "module.wasm" };
        var e = Assert.Throws<ProtocolException>(() => ProtocolJson.ReadAssignment(ProtocolJson.Serialize(assignment)));
        Assert.Contains("module_path", e.Message);
    }
}
