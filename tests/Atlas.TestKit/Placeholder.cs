namespace Atlas.TestKit; public static class Placeholder { }
