import struct
def dec(b, i=0):
    ib=b[i]; mt=ib>>5; ai=ib&31; i+=1
    def arg(ai,i):
        if ai<24: return ai,i
        n={24:1,25:2,26:4,27:8}[ai]; return int.from_bytes(b[i:i+n],'big'), i+n
    if mt==7:
        if ai==20: return False,i
        if ai==21: return True,i
        if ai==22 or ai==23: return None,i
        if ai==25: return struct.unpack('>e',b[i:i+2])[0],i+2
        if ai==26: return struct.unpack('>f',b[i:i+4])[0],i+4
        if ai==27: return struct.unpack('>d',b[i:i+8])[0],i+8
    v,i=arg(ai,i)
    if mt==0: return v,i
    if mt==1: return -1-v,i
    if mt==2: return b[i:i+v],i+v
    if mt==3: return b[i:i+v].decode('utf8','replace'),i+v
    if mt==4:
        out=[]
        for _ in range(v): x,i=dec(b,i); out.append(x)
        return out,i
    if mt==5:
        out={}
        for _ in range(v):
            k,i=dec(b,i); x,i=dec(b,i); out[k if not isinstance(k,(bytes,list,dict)) else repr(k)]=x
        return out,i
    if mt==6: return dec(b,i)
    raise ValueError(mt)
def d(b): return dec(b)[0]
def secs(x): return x['secs']+x['nanos']/1e9
