import { describe, expect, test } from "vitest";
import { matches, validatePattern } from "../../src/events/index.js";

/** [case name, pattern, event, expected match]. Every pattern here must also validate. */
type Case = readonly [string, unknown, unknown, boolean];

function run(cases: readonly Case[]): void {
  test.each(cases)("%s", (_name, pattern, event, expected) => {
    const v = validatePattern(pattern);
    if (!v.ok) throw new Error(`pattern should validate: ${v.errors.join("; ")}`);
    expect(matches(v.pattern, event)).toBe(expected);
  });
}

const ec2 = {
  version: "0",
  id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
  "detail-type": "EC2 Instance State-change Notification",
  source: "aws.ec2",
  account: "111122223333",
  time: "2017-12-22T18:43:48Z",
  region: "us-west-1",
  resources: ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
  detail: { "instance-id": "i-1234567890abcdef0", state: "terminated", "c-count": 5, "x-limit": 301.8, "source-ip": "10.0.0.33" },
};

describe("exact values and structure", () => {
  run([
    ["documented EC2 termination pattern", { source: ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"], detail: { state: ["terminated"] } }, ec2, true],
    ["value list is OR", { source: ["aws.fargate", "aws.ec2"] }, ec2, true],
    ["fields are AND", { source: ["aws.ec2"], region: ["eu-west-1"] }, ec2, false],
    ["unnamed event fields are ignored", { region: ["us-west-1"] }, ec2, true],
    ["strings are case-sensitive", { source: ["AWS.EC2"] }, ec2, false],
    ["missing field does not match", { detail: { missing: ["x"] } }, ec2, false],
    ["nesting must agree: field at wrong level", { state: ["terminated"] }, ec2, false],
    ["nested pattern vs scalar event value", { source: { x: ["aws.ec2"] } }, ec2, false],
    ["number matches number", { detail: { "c-count": [5] } }, ec2, true],
    ["number pattern vs string value", { n: [5] }, { n: "5" }, false],
    ["string pattern vs number value", { n: ["5"] }, { n: 5 }, false],
    ["true matches true", { b: [true] }, { b: true }, true],
    ["true vs string", { b: [true] }, { b: "true" }, false],
    ["false vs 0", { b: [false] }, { b: 0 }, false],
    ["null matches null", { detail: { responseElements: [null] } }, { detail: { responseElements: null } }, true],
    ["null does not match empty string", { v: [null] }, { v: "" }, false],
    ["empty string matches empty string", { detail: { eventVersion: [""] } }, { detail: { eventVersion: "" } }, true],
    ["empty string does not match null", { v: [""] }, { v: null }, false],
    ["null does not match missing field", { v: [null] }, {}, false],
    ["non-object event never matches a field", { a: ["x"] }, "x", false],
    ["array event value: non-empty intersection", { resources: ["nope", "arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"] }, ec2, true],
    ["array event value: empty intersection", { resources: ["nope"] }, ec2, false],
    ["empty array in event matches nothing", { tags: ["a"] }, { tags: [] }, false],
    ["nested arrays are flattened", { tags: ["c"] }, { tags: [["a", "b"], ["c"]] }, true],
    ["pattern through array of objects", { items: { sku: ["b"] } }, { items: [{ sku: "a" }, { sku: "b" }] }, true],
    ["array of objects: fields must agree within one element", { items: { sku: ["a"], qty: [2] } }, { items: [{ sku: "a", qty: 1 }, { sku: "b", qty: 2 }] }, false],
    ["array of objects: same element", { items: { sku: ["b"], qty: [2] } }, { items: [{ sku: "a", qty: 1 }, { sku: "b", qty: 2 }] }, true],
    ["leaf pattern vs object value", { detail: ["terminated"] }, ec2, false],
  ]);
});

describe("prefix / suffix / equals-ignore-case", () => {
  run([
    ["prefix", { time: [{ prefix: "2017-12-22" }] }, ec2, true],
    ["prefix miss", { time: [{ prefix: "2017-10-02" }] }, ec2, false],
    ["prefix is case-sensitive", { source: [{ prefix: "AWS." }] }, ec2, false],
    ["prefix on number value", { n: [{ prefix: "1" }] }, { n: 12 }, false],
    ["prefix on array value", { r: [{ prefix: "eu-" }] }, { r: ["us-east-1", "eu-west-1"] }, true],
    ["prefix ignore case", { service: [{ prefix: { "equals-ignore-case": "EventB" } }] }, { service: "eventbridge" }, true],
    ["prefix ignore case upper", { service: [{ prefix: { "equals-ignore-case": "eventb" } }] }, { service: "EVENTBRIDGE" }, true],
    ["prefix ignore case miss", { service: [{ prefix: { "equals-ignore-case": "eventb" } }] }, { service: "lambda" }, false],
    ["suffix", { FileName: [{ suffix: ".png" }] }, { FileName: "cat.png" }, true],
    ["suffix is case-sensitive", { FileName: [{ suffix: ".png" }] }, { FileName: "cat.PNG" }, false],
    ["suffix ignore case", { FileName: [{ suffix: { "equals-ignore-case": ".png" } }] }, { FileName: "cat.PNG" }, true],
    ["suffix on number", { n: [{ suffix: "5" }] }, { n: 5 }, false],
    ["equals-ignore-case", { Name: [{ "equals-ignore-case": "alice" }] }, { Name: "ALICE" }, true],
    ["equals-ignore-case is whole-string", { Name: [{ "equals-ignore-case": "alice" }] }, { Name: "alicea" }, false],
    ["equals-ignore-case on null", { Name: [{ "equals-ignore-case": "null" }] }, { Name: null }, false],
    ["missing field never matches prefix", { x: [{ prefix: "" }] }, {}, false],
    ["empty prefix matches any string", { x: [{ prefix: "" }] }, { x: "anything" }, true],
  ]);
});

describe("wildcard", () => {
  run([
    ["star in the middle", { source: [{ wildcard: "Simple*Service" }] }, { source: "SimpleQueueService" }, true],
    ["star matches empty", { source: [{ wildcard: "Simple*Service" }] }, { source: "SimpleService" }, true],
    ["whole-string anchored", { source: [{ wildcard: "Simple*Service" }] }, { source: "SimpleQueueServices" }, false],
    ["path with /lib/", { FilePath: [{ wildcard: "*/lib/*" }] }, { FilePath: "/usr/lib/x.so" }, true],
    ["several stars", { v: [{ wildcard: "a*b*c" }] }, { v: "a-b-b-c" }, true],
    ["several stars miss", { v: [{ wildcard: "a*b*c" }] }, { v: "a-c-b" }, false],
    ["overlapping segments", { v: [{ wildcard: "ab*ba" }] }, { v: "aba" }, false],
    ["no star is exact", { v: [{ wildcard: "abc" }] }, { v: "abc" }, true],
    ["escaped star is literal", { v: [{ wildcard: "a\\*b" }] }, { v: "a*b" }, true],
    ["escaped star does not glob", { v: [{ wildcard: "a\\*b" }] }, { v: "axb" }, false],
    ["escaped backslash", { v: [{ wildcard: "a\\\\*" }] }, { v: "a\\zzz" }, true],
    ["lone star matches any string", { v: [{ wildcard: "*" }] }, { v: "" }, true],
    ["wildcard on number", { v: [{ wildcard: "*" }] }, { v: 1 }, false],
    ["wildcard on missing", { v: [{ wildcard: "*" }] }, {}, false],
  ]);
});

describe("anything-but", () => {
  run([
    ["single string excluded", { detail: { state: [{ "anything-but": "terminated" }] } }, ec2, false],
    ["single string other", { detail: { state: [{ "anything-but": "initializing" }] } }, ec2, true],
    ["single number", { detail: { "c-count": [{ "anything-but": 123 }] } }, ec2, true],
    ["single number excluded", { detail: { "c-count": [{ "anything-but": 5 }] } }, ec2, false],
    ["string list", { state: [{ "anything-but": ["stopped", "overloaded"] }] }, { state: "running" }, true],
    ["string list excluded", { state: [{ "anything-but": ["stopped", "overloaded"] }] }, { state: "stopped" }, false],
    ["number list", { x: [{ "anything-but": [100, 200, 300] }] }, { x: 301.8 }, true],
    ["number list excluded", { x: [{ "anything-but": [100, 200, 300] }] }, { x: 200 }, false],
    ["missing field does not match", { detail: { nope: [{ "anything-but": "x" }] } }, ec2, false],
    ["field holding an object does not match", { detail: [{ "anything-but": "x" }] }, ec2, false],
    ["string exclusion vs number value", { v: [{ "anything-but": "5" }] }, { v: 5 }, true],
    ["number exclusion vs string value", { v: [{ "anything-but": 5 }] }, { v: "5" }, true],
    ["null value is not excluded", { v: [{ "anything-but": "x" }] }, { v: null }, true],
    ["array: some element not excluded", { v: [{ "anything-but": "a" }] }, { v: ["a", "b"] }, true],
    ["array: every element excluded", { v: [{ "anything-but": ["a", "b"] }] }, { v: ["a", "b"] }, false],
    ["anything-but prefix", { source: [{ "anything-but": { prefix: "aws." } }] }, { source: "com.mine" }, true],
    ["anything-but prefix excluded", { source: [{ "anything-but": { prefix: "aws." } }] }, ec2, false],
    ["anything-but prefix on number", { n: [{ "anything-but": { prefix: "1" } }] }, { n: 12 }, true],
    ["anything-but prefix list", { r: [{ "anything-but": { prefix: ["us-", "eu-"] } }] }, { r: "eu-west-1" }, false],
    ["anything-but suffix", { FileName: [{ "anything-but": { suffix: ".png" } }] }, { FileName: "a.jpg" }, true],
    ["anything-but suffix excluded", { FileName: [{ "anything-but": { suffix: ".png" } }] }, { FileName: "a.png" }, false],
    ["anything-but ignore case", { state: [{ "anything-but": { "equals-ignore-case": "initializing" } }] }, { state: "INITIALIZING" }, false],
    ["anything-but ignore case other", { state: [{ "anything-but": { "equals-ignore-case": ["a", "b"] } }] }, { state: "C" }, true],
    ["anything-but wildcard", { FilePath: [{ "anything-but": { wildcard: "*/lib/*" } }] }, { FilePath: "/usr/lib/x" }, false],
    ["anything-but wildcard other", { FilePath: [{ "anything-but": { wildcard: "*/lib/*" } }] }, { FilePath: "/usr/bin/x" }, true],
    ["anything-but prefix on missing field", { source: [{ "anything-but": { prefix: "aws." } }] }, {}, false],
  ]);
});

describe("numeric", () => {
  run([
    ["documented range > 0, <= 5", { detail: { "c-count": [{ numeric: [">", 0, "<=", 5] }] } }, ec2, true],
    ["range upper bound inclusive", { n: [{ numeric: [">", 0, "<=", 5] }] }, { n: 5 }, true],
    ["range lower bound exclusive", { n: [{ numeric: [">", 0, "<=", 5] }] }, { n: 0 }, false],
    ["range >= inclusive", { n: [{ numeric: [">=", 0, "<", 5] }] }, { n: 0 }, true],
    ["range < exclusive", { n: [{ numeric: [">=", 0, "<", 5] }] }, { n: 5 }, false],
    ["less than", { n: [{ numeric: ["<", 10] }] }, { n: 3 }, true],
    ["less or equal", { n: [{ numeric: ["<=", 10] }] }, { n: 10 }, true],
    ["greater than", { n: [{ numeric: [">", 10] }] }, { n: 10 }, false],
    ["greater or equal", { n: [{ numeric: [">=", 10] }] }, { n: 10 }, true],
    ["equals with exponent form", { detail: { "x-limit": [{ numeric: ["=", 3.018e2] }] } }, ec2, true],
    ["equals miss", { n: [{ numeric: ["=", 3] }] }, { n: 3.000001 }, false],
    ["negative and fractional", { n: [{ numeric: [">", -1.5, "<", -1.25] }] }, { n: -1.3 }, true],
    ["numeric on numeric-looking string", { n: [{ numeric: [">", 0] }] }, { n: "5" }, false],
    ["numeric on null", { n: [{ numeric: ["<", 1] }] }, { n: null }, false],
    ["numeric on boolean", { n: [{ numeric: [">=", 0] }] }, { n: true }, false],
    ["numeric on missing", { n: [{ numeric: [">=", 0] }] }, {}, false],
    ["numeric on array: any element", { n: [{ numeric: [">", 10] }] }, { n: [1, 2, 30] }, true],
    ["numeric on array: none", { n: [{ numeric: [">", 10] }] }, { n: [1, 2, 3] }, false],
    ["event value above +5e9 never matches", { n: [{ numeric: [">", 0] }] }, { n: 6e9 }, false],
    ["limits are inclusive", { n: [{ numeric: [">=", -5e9, "<=", 5e9] }] }, { n: 5e9 }, true],
  ]);
});

describe("exists", () => {
  run([
    ["exists true on present field", { detail: { state: [{ exists: true }] } }, ec2, true],
    ["exists true on missing field", { detail: { description: [{ exists: true }] } }, ec2, false],
    ["exists false on missing field", { detail: { "d-count": [{ exists: false }] } }, ec2, true],
    ["exists false on present field", { detail: { "c-count": [{ exists: false }] } }, ec2, false],
    ["exists false when the parent is missing", { nothing: { here: [{ exists: false }] } }, ec2, true],
    ["exists false on a non-leaf (object) field", { detail: { "c-count": [{ exists: false }] } }, { detail: { "c-count": { c1: 100 } } }, true],
    ["exists true on a non-leaf (object) field", { detail: { "c-count": [{ exists: true }] } }, { detail: { "c-count": { c1: 100 } } }, false],
    ["exists true on null value", { v: [{ exists: true }] }, { v: null }, true],
    ["exists false on null value", { v: [{ exists: false }] }, { v: null }, false],
    ["exists true on empty string", { v: [{ exists: true }] }, { v: "" }, true],
    ["exists true on empty array", { v: [{ exists: true }] }, { v: [] }, false],
    ["exists false on empty array", { v: [{ exists: false }] }, { v: [] }, true],
    ["exists false OR a value", { v: [{ exists: false }, "x"] }, { v: "x" }, true],
    ["exists false OR a value, other value", { v: [{ exists: false }, "x"] }, { v: "y" }, false],
    ["exists false on non-object event", { v: [{ exists: false }] }, null, true],
  ]);
});

describe("cidr", () => {
  run([
    ["IPv4 inside /24", { detail: { "source-ip": [{ cidr: "10.0.0.0/24" }] } }, ec2, true],
    ["IPv4 outside /24", { ip: [{ cidr: "10.0.0.0/24" }] }, { ip: "10.0.1.1" }, false],
    ["IPv4 /8", { ip: [{ cidr: "10.0.0.0/8" }] }, { ip: "10.255.3.4" }, true],
    ["IPv4 /32", { ip: [{ cidr: "192.168.1.7/32" }] }, { ip: "192.168.1.7" }, true],
    ["IPv4 /0 matches any IPv4", { ip: [{ cidr: "0.0.0.0/0" }] }, { ip: "8.8.8.8" }, true],
    ["non-address string", { ip: [{ cidr: "10.0.0.0/8" }] }, { ip: "ten" }, false],
    ["IPv6 inside", { ip: [{ cidr: "2001:db8::/32" }] }, { ip: "2001:db8:1::5" }, true],
    ["IPv6 outside", { ip: [{ cidr: "2001:db8::/32" }] }, { ip: "2001:db9::1" }, false],
    ["IPv6 block vs IPv4 address", { ip: [{ cidr: "::/0" }] }, { ip: "10.0.0.1" }, false],
    ["cidr on number", { ip: [{ cidr: "0.0.0.0/0" }] }, { ip: 10 }, false],
  ]);
});

describe("$or", () => {
  const or = { source: ["aws.cloudwatch"], $or: [{ metricName: ["CPUUtilization", "ReadLatency"] }, { namespace: ["AWS/EC2", "AWS/ES"] }] };
  const nested = {
    source: ["aws.cloudwatch"],
    $or: [
      { metricName: ["CPUUtilization"] },
      { metricType: ["MetricType"], namespace: ["AWS/EC2"], $or: [{ metricId: [1234] }, { spaceId: [1000] }] },
    ],
  };
  run([
    ["first branch", or, { source: "aws.cloudwatch", metricName: "ReadLatency" }, true],
    ["second branch", or, { source: "aws.cloudwatch", namespace: "AWS/ES" }, true],
    ["no branch", or, { source: "aws.cloudwatch", namespace: "AWS/S3" }, false],
    ["branch but AND field fails", or, { source: "aws.ec2", metricName: "ReadLatency" }, false],
    ["nested or/and", nested, { source: "aws.cloudwatch", metricType: "MetricType", namespace: "AWS/EC2", spaceId: 1000 }, true],
    ["nested or/and missing inner or", nested, { source: "aws.cloudwatch", metricType: "MetricType", namespace: "AWS/EC2" }, false],
    [
      "$or inside a nested object applies at that level",
      { detail: { $or: [{ a: ["1"] }, { b: ["2"] }] } },
      { detail: { b: "2" } },
      true,
    ],
    ["$or branch with exists:false", { $or: [{ a: [{ exists: false }] }, { b: ["x"] }] }, { a: 1, b: "y" }, false],
    ["$or branch with exists:false, absent", { $or: [{ a: [{ exists: false }] }, { b: ["x"] }] }, { b: "y" }, true],
  ]);
});

describe("combined", () => {
  test("the documented complex example", () => {
    const v = validatePattern({
      time: [{ prefix: "2017-10-02" }],
      detail: {
        state: [{ "anything-but": "initializing" }],
        "c-count": [{ numeric: [">", 0, "<=", 5] }],
        "d-count": [{ numeric: ["<", 10] }],
        "x-limit": [{ "anything-but": [100, 200, 300] }],
        "source-ip": [{ cidr: "10.0.0.0/8" }],
      },
    });
    if (!v.ok) throw new Error(v.errors.join("; "));
    const event = {
      time: "2017-10-02T16:24:49Z",
      detail: { "c-count": 5, "d-count": 3, "x-limit": 301.8, "source-ip": "10.0.0.33", state: "running" },
    };
    expect(matches(v.pattern, event)).toBe(true);
    expect(matches(v.pattern, { ...event, detail: { ...event.detail, state: "initializing" } })).toBe(false);
    expect(matches(v.pattern, { ...event, detail: { ...event.detail, "d-count": 10 } })).toBe(false);
    expect(matches(v.pattern, { ...event, detail: { ...event.detail, "x-limit": 300 } })).toBe(false);
  });
});
