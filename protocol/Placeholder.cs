namespace Atlas.Protocol; public static class Placeholder { }
