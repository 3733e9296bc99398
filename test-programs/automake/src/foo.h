int foo_api(int x);
int foo_util(int x);
