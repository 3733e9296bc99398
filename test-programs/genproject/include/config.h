#ifndef CONFIG_H
#define CONFIG_H
#define GREETING "hello from genproject"
int lib_value(void);
#endif
