# Writes version.c and compiles it with one cc: a script in a recipe, no setuptools.
import subprocess
with open('version.c', 'w') as f:
    f.write('const char *tinyext_version = "0.1";\n')
subprocess.run(['cc', '-c', 'version.c', '-o', 'version.o'], check=True)
