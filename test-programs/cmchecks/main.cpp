extern "C" int calc(int x);
int main() { return calc(0); }
