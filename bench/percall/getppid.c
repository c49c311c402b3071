// getppid: 200,000 getppid syscalls, five times: a null syscall's cost on this machine. cc -O2 getppid.c -o getppid
#include <stdio.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <time.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec*1e9+t.tv_nsec;}
int main(){int n=200000; for(int r=0;r<5;r++){double t0=now(); for(int i=0;i<n;i++) syscall(SYS_getppid); double t1=now(); printf("getppid %.0f ns\n",(t1-t0)/n);} }
