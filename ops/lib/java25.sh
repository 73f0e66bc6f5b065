# Sourced (POSIX sh) by ./mvnw and the ops/ scripts: make JAVA_HOME point at a Java 25 JDK, or say what is missing.
# Order: $JAVA_HOME if it is Java 25 or newer, else /usr/lib/jvm/temurin-25-jdk-amd64 when it exists.
trident_java_major() {
  "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9][0-9]*\).*/\1/p' | head -n 1
}
trident_find_java25() {
  for candidate in "${JAVA_HOME-}" /usr/lib/jvm/temurin-25-jdk-amd64; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    major=$(trident_java_major "$candidate")
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then
      JAVA_HOME=$candidate
      export JAVA_HOME
      return 0
    fi
  done
  echo "trident: Java 25 not found: JAVA_HOME is '${JAVA_HOME-}' and /usr/lib/jvm/temurin-25-jdk-amd64 does not exist; install a JDK 25 and set JAVA_HOME to it." >&2
  return 1
}
