# capture.gdb - the cases capture.sh runs (gdb-multiarch -batch -x, after target remote)
set breakpoint condition-evaluation target
set breakpoint always-inserted on
set dprintf-style agent
maint packet qAxMark:break f if counter == 5
break f if counter == 5
delete
maint packet qAxMark:break f if counter == 5 || x[3] > 2
break f if counter == 5 || x[3] > 2
delete
maint packet qAxMark:break f if uc > 100 && ll < -1 && ui > 5 && ch == 65
break f if uc > 100 && ll < -1 && ui > 5 && ch == 65
delete
maint packet qAxMark:break f if counter == 5, break f if sx < 0 (two at one address)
break f if counter == 5
break f if sx < 0
delete
maint packet qAxMark:dprintf f,"%d %s %c %lx %p %u%%\n",counter,pname,ch,big,ptr,counter
dprintf f,"%d %s %c %lx %p %u%%\n",counter,pname,ch,big,ptr,counter
delete
maint packet qAxMark:dprintf f,"c=%d\n",counter + condition counter == 5
dprintf f,"c=%d\n",counter
condition $bpnum counter == 5
delete
maint packet qAxMark:two dprintfs at f, set disconnected-dprintf off
set disconnected-dprintf off
dprintf f,"a%d\n",counter
dprintf f,"b%hd %llu %lld %hu %x %o %#x %5d|%-5d|%05d %.3s %zu %%\n",sx,ull,ll,uc,ui,ui,ui,counter,counter,counter,pname,big
delete
set disconnected-dprintf on
maint packet qAxMark:dprintf f,"%f\n",counter
dprintf f,"%f\n",counter
delete
maint packet qAxMark:dprintf f,"hi\t\"q\"\\\n"
dprintf f,"hi\t\"q\"\\\n"
delete
maint packet qAxMark:dprintf f,"%p %c %s\n",ptr,ch+1,pname+1
dprintf f,"%p %c %s\n",ptr,ch+1,pname+1
delete
echo == maint agent-printf "%d %s %c %lx %p %u%%\\n",counter,pname,ch,big,ptr,counter\n
maint agent-printf "%d %s %c %lx %p %u%%\n",counter,pname,ch,big,ptr,counter
echo == maint agent -at f, counter == 5 || x[3] > 2\n
maint agent -at f, counter == 5 || x[3] > 2
kill
